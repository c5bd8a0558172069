// The rpcbench service contract in Thrift IDL: getObj, sendObj, fib (see README "The service contract").
// Generated code is committed under transports/generated/thrift and test/fixtures/generated (scripts/gen-thrift.sh
// regenerates both): a fresh machine needs no compiler.
namespace py rpcbench

/** What the service reports for a bad call; `kind` is the contract's: ValueError, NameError or TypeError. */
exception RpcError {
  1: string kind,
  2: string message,
}

service Rpcbench {
  map<string, i64> getObj() throws (1: RpcError error),
  void sendObj(1: map<string, i64> obj) throws (1: RpcError error),
  /** n travels as a double so that the server decides what a valid n is: an integer field would truncate 2.5. */
  i64 fib(1: double n) throws (1: RpcError error),
}
