package rpcbench;

import java.util.Map;

/**
 * The rpcbench contract as a Dubbo service interface. fib takes and returns Object so that a wrong argument (2.5, "x")
 * is the contract's IllegalArgumentException (ValueError) rather than Hessian's silent narrowing of 2.5 to 2.
 */
public interface Contract {
  Map<String, Integer> getObj();

  void sendObj(Map<String, Integer> obj);

  Object fib(Object n);
}
