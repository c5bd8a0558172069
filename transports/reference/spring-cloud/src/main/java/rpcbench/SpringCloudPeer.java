package rpcbench;

import feign.FeignException;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.cloud.openfeign.EnableFeignClients;
import org.springframework.cloud.openfeign.FeignClient;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The rpcbench contract as Spring serves and calls REST with JSON, in the http row's shape: POST /rpc/METHOD with the
 * JSON array of arguments; 200 {"result": ...}, or 400 (404 for an unknown method) {"error": {"kind", "message"}}.
 *   server PORT ENTRIES WORK_US MAX_BYTES   Spring MVC on Tomcat at 127.0.0.1:PORT (0: any); prints "listening URL"
 *   client URL [SECONDS]                    an OpenFeign client: every call and error, "ok", then getObj for SECONDS
 */
public final class SpringCloudPeer {
  public static void main(String[] args) {
    if (args.length < 2) throw new IllegalArgumentException("usage: server PORT ENTRIES WORK_US MAX_BYTES | client URL [SECONDS]");
    try {
      if (args[0].equals("server")) server(args);
      else client(args[1], args.length > 2 ? Double.parseDouble(args[2]) : 0);
    } catch (Throwable e) {
      e.printStackTrace();
      System.exit(1);
    }
  }

  static Map<String, Integer> obj(String side, int entries) {
    Map<String, Integer> m = new LinkedHashMap<>();
    for (int i = 0; i < entries; i++) m.put(side + ":" + i, i);
    return m;
  }

  static final String[] QUIET = {"--spring.main.banner-mode=off", "--logging.level.root=WARN", "--spring.main.log-startup-info=false"};

  // ---- the server

  static void server(String[] args) throws IOException {
    int[] port = {0};
    System.setProperty("rpcbench.entries", args[2]);
    System.setProperty("rpcbench.workUs", args[3]);
    System.setProperty("rpcbench.maxBytes", args[4]);
    ConfigurableApplicationContext ctx = new SpringApplicationBuilder(ServerApp.class)
        .web(WebApplicationType.SERVLET)
        .listeners((ApplicationListener<WebServerInitializedEvent>) e -> port[0] = e.getWebServer().getPort())
        .run(concat(QUIET, "--server.address=127.0.0.1", "--server.port=" + args[1], "--spring.mvc.servlet.load-on-startup=1"));
    // ready means it has answered a call: Spring MVC sets up its converters and handler on the first one, which on a
    // busy machine took past a client's 5 s deadline (a fresh clone's CI: the first getObj of the contract timed out)
    String url = "http://127.0.0.1:" + port[0];
    answerOnce(url);
    System.out.println("listening " + url);
    System.out.flush();
    Runtime.getRuntime().addShutdownHook(new Thread(ctx::close));
    // the process that started this server holds its stdin: when that process is gone (even killed with -9), stdin
    // ends, and so does this server, which would otherwise outlive the run
    Thread watch = new Thread(() -> {
      try {
        while (System.in.read() != -1) {}
      } catch (IOException e) {
        // the same: stdin is gone
      }
      System.exit(0);
    });
    watch.setDaemon(true);
    watch.start();
  }

  /** One getObj of its own, through the socket as a client's; within 60 s, or the server does not start. */
  static void answerOnce(String url) throws IOException {
    HttpURLConnection c = (HttpURLConnection) URI.create(url + "/rpc/getObj").toURL().openConnection();
    c.setConnectTimeout(60_000);
    c.setReadTimeout(60_000);
    c.setRequestMethod("POST");
    c.setRequestProperty("Content-Type", "application/json");
    c.setDoOutput(true);
    c.getOutputStream().write("[]".getBytes(StandardCharsets.UTF_8));
    if (c.getResponseCode() != 200) throw new IOException("the server's own first getObj: HTTP " + c.getResponseCode());
    c.getInputStream().readAllBytes();
    c.disconnect();
  }

  static String[] concat(String[] a, String... b) {
    String[] out = new String[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** A bad argument: ValueError (400); an unknown method: NameError (404). */
  static final class CallError extends RuntimeException {
    final String kind;
    final int status;

    CallError(String kind, int status, String message) {
      super(message);
      this.kind = kind;
      this.status = status;
    }
  }

  @SpringBootApplication(scanBasePackages = "rpcbench.none")
  public static class ServerApp {
    @Bean
    public Rpc rpc() {
      return new Rpc(Integer.getInteger("rpcbench.entries"), Long.getLong("rpcbench.workUs"));
    }

    /** Bodies over MAX_BYTES are refused with 413 before they are read whole (by length, or as they stream in). */
    @Bean
    public OncePerRequestFilter sizeLimit() {
      long max = Long.getLong("rpcbench.maxBytes");
      return new OncePerRequestFilter() {
        @Override
        protected void doFilterInternal(HttpServletRequest req, HttpServletResponse res, FilterChain chain) throws ServletException, IOException {
          if (req.getContentLengthLong() > max) {
            res.setStatus(413);
            res.setContentType("application/json");
            res.getWriter().write("{\"error\":{\"kind\":\"ValueError\",\"message\":\"a body over " + max + " bytes\"}}");
            return;
          }
          chain.doFilter(new Limited(req, max), res);
        }
      };
    }
  }

  /** A request whose body stream fails past `max` bytes (a chunked body has no length to check first). */
  static final class Limited extends HttpServletRequestWrapper {
    final long max;

    Limited(HttpServletRequest req, long max) {
      super(req);
      this.max = max;
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
      ServletInputStream in = super.getInputStream();
      return new ServletInputStream() {
        long read = 0;

        @Override
        public int read() throws IOException {
          int b = in.read();
          if (b >= 0 && ++read > max) throw new IOException("a body over " + max + " bytes");
          return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
          int n = in.read(buf, off, len);
          if (n > 0 && (read += n) > max) throw new IOException("a body over " + max + " bytes");
          return n;
        }

        @Override
        public boolean isFinished() {
          return in.isFinished();
        }

        @Override
        public boolean isReady() {
          return in.isReady();
        }

        @Override
        public void setReadListener(ReadListener l) {
          in.setReadListener(l);
        }
      };
    }
  }

  @RestController
  public static class Rpc {
    final int entries;
    final long workUs;
    final Map<String, Integer> serverObj;
    final Map<String, Integer> clientObj;

    Rpc(int entries, long workUs) {
      this.entries = entries;
      this.workUs = workUs;
      this.serverObj = obj("server", entries);
      this.clientObj = obj("client", entries);
    }

    @PostMapping(path = "/rpc/{method}", produces = "application/json")
    public ResponseEntity<Map<String, Object>> call(@PathVariable("method") String method, @RequestBody(required = false) Object body) {
      Map<String, Object> reply = new LinkedHashMap<>();
      try {
        if (body != null && !(body instanceof List<?>)) throw new CallError("TypeError", 400, "the body must be a JSON array of arguments");
        List<?> args = body == null ? List.of() : (List<?>) body;
        if (workUs > 0) busy(workUs);
        reply.put("result", handle(method, args));
        return ResponseEntity.ok(reply);
      } catch (CallError e) {
        reply.put("error", Map.of("kind", e.kind, "message", String.valueOf(e.getMessage())));
        return ResponseEntity.status(e.status).body(reply);
      }
    }

    Object handle(String method, List<?> args) {
      switch (method) {
        case "getObj":
          return serverObj;
        case "sendObj":
          if (args.isEmpty() || !clientObj.equals(args.get(0)))
            throw new CallError("ValueError", 400, "sendObj: expected " + entries + " entries client:i = i");
          return null;
        case "fib":
          Object n = args.isEmpty() ? null : args.get(0);
          if (!(n instanceof Integer) || (Integer) n < 0 || (Integer) n > 35)
            throw new CallError("ValueError", 400, "fib(n) needs an integer 0 <= n <= 35, got " + n);
          return fib((Integer) n);
        default:
          throw new CallError("NameError", 404, "unknown method " + method);
      }
    }

    /** Recursive, as the contract asks: the call's own CPU work. */
    static long fib(int n) {
      return n < 2 ? n : fib(n - 1) + fib(n - 2);
    }

    static void busy(long us) {
      long until = System.nanoTime() + us * 1000;
      while (System.nanoTime() < until) Thread.onSpinWait();
    }
  }

  // ---- the client: Spring Cloud OpenFeign

  @FeignClient(name = "rpc", url = "${rpcbench.url}")
  public interface RpcClient {
    @PostMapping(value = "/rpc/{method}", consumes = "application/json", produces = "application/json")
    Map<String, Object> call(@PathVariable("method") String method, @RequestBody List<Object> args);
  }

  @SpringBootApplication(scanBasePackages = "rpcbench.none")
  @EnableFeignClients(clients = RpcClient.class)
  public static class ClientApp {}

  static void client(String url, double seconds) {
    ConfigurableApplicationContext ctx = new SpringApplicationBuilder(ClientApp.class)
        .web(WebApplicationType.NONE)
        .run(concat(QUIET, "--rpcbench.url=" + url));
    RpcClient rpc = ctx.getBean(RpcClient.class);
    check(rpc);
    System.out.println("ok");
    if (seconds > 0) {
      long n = 0, start = System.nanoTime(), end = start + (long) (seconds * 1e9);
      while (System.nanoTime() < end) { rpc.call("getObj", List.of()); n++; }
      System.out.printf("calls/s %.0f%n", n / ((System.nanoTime() - start) / 1e9));
    }
    System.out.flush();
    ctx.close();
    System.exit(0);
  }

  /** The reply's result, or a RuntimeException whose message is the error's kind (from the error body Feign kept). */
  static Object call(RpcClient rpc, String method, Object... args) {
    try {
      return rpc.call(method, List.of(args)).get("result");
    } catch (FeignException e) {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"kind\"\\s*:\\s*\"(\\w+)\"").matcher(e.contentUTF8());
      throw new RuntimeException(m.find() ? m.group(1) : "HTTP " + e.status());
    }
  }

  static void fails(String kind, RpcClient rpc, String method, Object... args) {
    try {
      call(rpc, method, args);
    } catch (RuntimeException e) {
      if (!kind.equals(e.getMessage())) throw new AssertionError(method + " failed with " + e.getMessage() + ", not " + kind);
      return;
    }
    throw new AssertionError(method + " should have failed with " + kind);
  }

  static void check(RpcClient rpc) {
    if (!obj("server", 100).equals(call(rpc, "getObj"))) throw new AssertionError("getObj");
    if (call(rpc, "sendObj", obj("client", 100)) != null) throw new AssertionError("sendObj");
    if (((Number) call(rpc, "fib", 20)).longValue() != 6765) throw new AssertionError("fib(20)");
    for (Object bad : new Object[] {36, -1, 2.5}) fails("ValueError", rpc, "fib", bad);
    fails("ValueError", rpc, "sendObj", Map.of("client:0", 0));
    fails("NameError", rpc, "nope");
  }
}
