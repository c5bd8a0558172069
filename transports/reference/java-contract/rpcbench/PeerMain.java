package rpcbench;

/**
 * The command line every Java reference peer takes:
 *   server PORT ENTRIES WORK_US MAX_BYTES   a provider of the contract at 127.0.0.1:PORT; prints "listening URL"
 *   client ADDRESS ENTRIES [SECONDS]        a client: ContractClient's lines, then getObj for SECONDS
 * Any failure is its stack trace and exit 1.
 */
public final class PeerMain {
  private PeerMain() {}

  public interface Server {
    void run(int port, int entries, long workUs, int maxBytes) throws Exception;
  }

  public interface Client {
    void run(String address, int entries, double seconds) throws Exception;
  }

  public static void run(String[] args, Server server, Client client) {
    if (args.length < 3) throw new IllegalArgumentException("usage: server PORT ENTRIES WORK_US MAX_BYTES | client ADDRESS ENTRIES [SECONDS]");
    try {
      if (args[0].equals("server")) server.run(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Long.parseLong(args[3]), Integer.parseInt(args[4]));
      else client.run(args[1], Integer.parseInt(args[2]), args.length > 3 ? Double.parseDouble(args[3]) : 0);
    } catch (Throwable e) {
      e.printStackTrace();
      System.exit(1);
    }
  }
}
