package rpcbench;

import java.util.HashMap;
import java.util.Map;

/** The contract served as every rpcbench server serves it: the objects, the errors, and the busy-wait a call is given. */
public final class ContractService implements Contract {
  final Map<String, Integer> obj;
  final int entries;
  final long workNs;

  public ContractService(int entries, long workUs) {
    this.obj = obj("server", entries);
    this.entries = entries;
    this.workNs = workUs * 1000;
  }

  /** The object a side sends: ENTRIES entries "side:i" = i. */
  public static Map<String, Integer> obj(String side, int entries) {
    Map<String, Integer> m = new HashMap<>();
    for (int i = 0; i < entries; i++) m.put(side + ":" + i, i);
    return m;
  }

  void busy() {
    if (workNs <= 0) return;
    long end = System.nanoTime() + workNs;
    while (System.nanoTime() < end) Thread.onSpinWait();
  }

  public Map<String, Integer> getObj() {
    busy();
    return obj;
  }

  public void sendObj(Map<String, Integer> m) {
    busy();
    if (m == null || m.size() != entries) throw new IllegalArgumentException("sendObj: expected " + entries + " entries, got " + (m == null ? "null" : m.size()));
    for (int i = 0; i < entries; i++) {
      Object v = m.get("client:" + i);
      if (!(v instanceof Number) || ((Number) v).intValue() != i) throw new IllegalArgumentException("sendObj: entry client:" + i + " is " + v + ", expected " + i);
    }
  }

  public Object fib(Object n) {
    busy();
    boolean whole = n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte
        || (n instanceof Double && (Double) n == Math.rint((Double) n));
    long v = whole ? ((Number) n).longValue() : -1;
    if (!whole || v < 0 || v > 35) throw new IllegalArgumentException("fib(n) needs an integer 0 <= n <= 35, got " + n);
    return fib((int) v);
  }

  static int fib(int n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
  }
}
