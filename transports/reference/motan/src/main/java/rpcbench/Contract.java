package rpcbench;

import java.util.Map;

/**
 * The rpcbench contract as a Motan service interface. fib takes and returns Object so that a wrong argument (2.5, "x")
 * is the contract's IllegalArgumentException (ValueError) rather than a deserialization error of the framework.
 */
public interface Contract {
  Map<String, Integer> getObj();

  void sendObj(Map<String, Integer> obj);

  Object fib(Object n);
}
