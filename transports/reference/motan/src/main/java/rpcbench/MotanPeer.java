package rpcbench;

import com.weibo.api.motan.common.MotanConstants;
import com.weibo.api.motan.config.ProtocolConfig;
import com.weibo.api.motan.config.RefererConfig;
import com.weibo.api.motan.config.RegistryConfig;
import com.weibo.api.motan.config.ServiceConfig;
import com.weibo.api.motan.util.MotanSwitcherUtil;

/**
 * The rpcbench contract as Weibo's Motan serves and calls it: the motan2 protocol with simple serialization (Motan's
 * cross-language wire format), a direct address, no registry.
 *   server PORT ENTRIES WORK_US MAX_BYTES   a provider at 127.0.0.1:PORT; prints "listening motan2://127.0.0.1:PORT"
 *   client ADDRESS ENTRIES [SECONDS]        a client of host:port: every call and error, one "name=value" line each,
 *                                           then getObj for SECONDS and "calls=N"
 */
public final class MotanPeer {
  public static void main(String[] args) {
    PeerMain.run(args, MotanPeer::server, MotanPeer::client);
  }

  static ProtocolConfig protocol(int maxBytes) {
    ProtocolConfig p = new ProtocolConfig();
    p.setId("motan2");
    p.setName("motan2");
    p.setSerialization("simple");
    p.setEndpointFactory("loopback"); // Motan's Netty 4 server, bound to loopback (LoopbackNettyServer)
    if (maxBytes > 0) p.setMaxContentLength(maxBytes);
    return p;
  }

  // ---- the provider

  static void server(int port, int entries, long workUs, int maxBytes) throws Exception {
    ServiceConfig<Contract> service = new ServiceConfig<>();
    service.setInterface(Contract.class);
    service.setRef(new ContractService(entries, workUs));
    RegistryConfig registry = new RegistryConfig();
    registry.setRegProtocol("local");
    registry.setCheck("false");
    service.setRegistry(registry);
    service.setProtocol(protocol(maxBytes));
    service.setExport("motan2:" + port);
    service.export();
    MotanSwitcherUtil.setSwitcherValue(MotanConstants.REGISTRY_HEARTBEAT_SWITCHER, true);
    System.out.println("listening motan2://127.0.0.1:" + port);
    System.out.flush();
    Runtime.getRuntime().addShutdownHook(new Thread(service::unexport));
    // the process that started this server holds its stdin: when that process is gone (even killed with -9), stdin
    // ends, and so does this server, which would otherwise outlive the run
    while (System.in.read() != -1) {}
    System.exit(0);
  }

  // ---- the client

  static void client(String address, int entries, double seconds) {
    RefererConfig<Contract> ref = new RefererConfig<>();
    ref.setInterface(Contract.class);
    ref.setProtocol(protocol(0));
    ref.setDirectUrl(address);
    ref.setRequestTimeout(10_000);
    ref.setRetries(0);
    ref.setCheck("false");
    Contract c = ref.getRef();
    ContractClient.run(c, entries, seconds, () -> {});
    ref.destroy();
    System.exit(0);
  }
}
