package rpcbench;

/**
 * What a Java reference client prints of a server, one "name=value" line each, which the interop tests read: every call
 * of the contract and each error as the framework throws it, then how many getObj calls a number of seconds holds.
 */
public final class ContractClient {
  private ContractClient() {}

  /** The contract's calls and errors through `c`, then getObj for `seconds` and "calls=N". */
  public static void run(Contract c, int entries, double seconds, Runnable more) {
    line("getObj", c.getObj().equals(ContractService.obj("server", entries)) ? "ok" : "wrong " + c.getObj());
    c.sendObj(ContractService.obj("client", entries));
    line("sendObj", "ok");
    line("fib", c.fib(20));
    line("fibError", failure(() -> c.fib(40)));
    line("fibFraction", failure(() -> c.fib(2.5)));
    line("sendError", failure(() -> c.sendObj(ContractService.obj("client", 1))));
    more.run();
    long calls = 0;
    for (long end = System.nanoTime() + (long) (seconds * 1e9); System.nanoTime() < end; calls++) {
      if (c.getObj().size() != entries) throw new IllegalStateException("getObj, call " + calls + ": wrong size");
    }
    line("calls", calls);
  }

  public static void line(String name, Object value) {
    System.out.println(name + "=" + value);
  }

  /** The exception a call throws, as "ClassName: message", or "none". */
  public static String failure(Runnable call) {
    try {
      call.run();
      return "none";
    } catch (RuntimeException e) {
      return e.getClass().getName() + ": " + String.valueOf(e.getMessage()).split("\n")[0];
    }
  }
}
