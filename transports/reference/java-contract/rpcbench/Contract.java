package rpcbench;

import java.util.Map;

/**
 * The rpcbench contract as a Java service interface, shared by the Java reference peers that serve an interface (Dubbo,
 * Motan): transports/support/maven.ts copies this directory into each project's sources. fib takes and returns Object
 * so that a wrong argument (2.5, "x") is the contract's IllegalArgumentException (ValueError) rather than a framework's
 * narrowing of 2.5 to 2 (Hessian) or its deserialization error.
 */
public interface Contract {
  Map<String, Integer> getObj();

  void sendObj(Map<String, Integer> obj);

  Object fib(Object n);
}
