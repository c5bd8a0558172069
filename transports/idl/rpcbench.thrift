// The rpcbench service contract in Thrift IDL: getObj, sendObj, fib (see README "The service contract").
// Generated code is committed under transports/generated/thrift and test/fixtures/generated (scripts/gen-thrift.sh
// regenerates both): a fresh machine needs no compiler.
namespace py rpcbench

/** What the service reports for a bad call; `kind` is the contract's: ValueError, NameError or TypeError. */
exception RpcError {
  1: string kind,
  2: string message,
}

/**
 * The contract's numbers are i32: entries count up from 0 (at most 1,000,000) and fib(35) is 9,227,465. An i64
 * would cost every value a node-int64 object in the JavaScript library (binary getObj: 34/50 µs of codec per call
 * with i64, against 13/17 with i32, client/server).
 */
service Rpcbench {
  map<string, i32> getObj() throws (1: RpcError error),
  void sendObj(1: map<string, i32> obj) throws (1: RpcError error),
  /** n travels as a double so that the server decides what a valid n is: an integer field would truncate 2.5. */
  i32 fib(1: double n) throws (1: RpcError error),
}
