package rpcbench;

import static rpcbench.ContractClient.failure;
import static rpcbench.ContractClient.line;

import java.io.IOException;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.dubbo.common.URL;
import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.ProtocolConfig;
import org.apache.dubbo.config.ReferenceConfig;
import org.apache.dubbo.config.RegistryConfig;
import org.apache.dubbo.config.ServiceConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;
import org.apache.dubbo.rpc.service.GenericService;

/**
 * The rpcbench contract as Apache Dubbo serves and calls it, with Hessian 2 serialization, direct URLs, no registry:
 * the dubbo protocol, or Triple (Dubbo 3's gRPC-compatible HTTP/2 protocol) with -Drpcbench.protocol=tri.
 *   server PORT ENTRIES WORK_US MAX_BYTES   a provider at 127.0.0.1:PORT (0: any free port); prints "listening URL"
 *   client URL ENTRIES [SECONDS]            a consumer: every call and error, one "name=value" line each, then
 *                                           getObj for SECONDS and "calls N"
 */
public final class DubboPeer {
  public static void main(String[] args) {
    System.setProperty("dubbo.application.logger", "jdk");
    Logger.getLogger("").setLevel(Level.WARNING);
    PeerMain.run(args, DubboPeer::server, DubboPeer::client);
  }

  static ApplicationConfig application(String name) {
    ApplicationConfig app = new ApplicationConfig(name);
    app.setQosEnable(false); // no telnet console on port 22222
    app.setMetadataType("local");
    return app;
  }

  // ---- the provider

  /** The protocol served and called: "dubbo" or "tri". */
  static final String PROTOCOL = System.getProperty("rpcbench.protocol", "dubbo");

  static void server(int port, int entries, long workUs, int maxBytes) throws IOException {
    ProtocolConfig protocol = new ProtocolConfig(PROTOCOL, port == 0 ? -1 : port);
    protocol.setHost("127.0.0.1");
    // Dubbo binds every interface when its host is any 127.x address (NetUtils.isInvalidLocalHost: a loopback address
    // cannot be registered); DUBBO_IP_TO_BIND, its setting for the address to bind, refuses 127.x too, but takes the
    // IPv4-mapped form of the same address, which binds loopback only
    System.setProperty("DUBBO_IP_TO_BIND", "::ffff:127.0.0.1");
    protocol.setPayload(maxBytes);
    protocol.setSerialization("hessian2");
    ServiceConfig<Contract> service = new ServiceConfig<>();
    service.setInterface(Contract.class);
    service.setRef(new ContractService(entries, workUs));
    DubboBootstrap bootstrap = DubboBootstrap.getInstance()
        .application(application("rpcbench-provider"))
        .registry(new RegistryConfig(RegistryConfig.NO_AVAILABLE))
        .protocol(protocol)
        .service(service)
        .start();
    List<URL> urls = service.getExportedUrls();
    System.out.println("listening " + PROTOCOL + "://127.0.0.1:" + urls.get(0).getPort());
    System.out.flush();
    Runtime.getRuntime().addShutdownHook(new Thread(bootstrap::stop));
    // the process that started this server holds its stdin: when that process is gone (even killed with -9), stdin
    // ends, and so does this server, which would otherwise outlive the run
    while (System.in.read() != -1) {}
    System.exit(0);
  }

  // ---- the consumer

  static void client(String address, int entries, double seconds) {
    // Dubbo's consumer connects to this machine's network address instead of any 127.x (NetUtils.filterLocalHost),
    // where a provider bound to loopback is not; the IPv4-mapped form of the loopback address is kept as it is
    String url = address.replace("//127.0.0.1:", "//[::ffff:127.0.0.1]:");
    DubboBootstrap bootstrap = DubboBootstrap.getInstance().application(application("rpcbench-consumer"));
    ReferenceConfig<Contract> ref = new ReferenceConfig<>();
    ref.setInterface(Contract.class);
    ref.setUrl(url);
    ref.setTimeout(10_000);
    ref.setRetries(0);
    ref.setCheck(false);
    ReferenceConfig<GenericService> generic = new ReferenceConfig<>();
    generic.setInterface(Contract.class.getName());
    generic.setGeneric("true");
    generic.setUrl(url);
    generic.setTimeout(10_000);
    generic.setRetries(0);
    bootstrap.reference(ref).reference(generic).start();
    Contract c = ref.get();
    GenericService g = generic.get();
    ContractClient.run(c, entries, seconds, () -> {
      line("genericFib", g.$invoke("fib", new String[] {"java.lang.Object"}, new Object[] {10}));
      line("unknownError", failure(() -> g.$invoke("nope", new String[0], new Object[0])));
    });
    bootstrap.stop();
    System.exit(0);
  }
}
