// spring-cloud: REST with JSON as Spring serves it, in the http row's shape (POST /rpc/METHOD with the JSON array of
// arguments; {"result": ...}, or {"error": {"kind", "message"}} with 400, or 404 for an unknown method). The row's
// server is the reference implementation itself: a Spring Boot 4 app (Spring MVC on Tomcat, Java), built from Maven
// Central on this machine the first time the row runs (transports/reference/spring-cloud) and started by our server
// child, which adds the JVM's CPU to its own and stops it with itself. The client is ours, the http row's; Spring
// Cloud OpenFeign, the reference client, calls our http server in test/interop-spring-cloud.test.ts.
import { fileURLToPath } from 'node:url';
import type { Service } from './contract.ts';
import { httpJson } from './http.ts';
import { hostPort, parseAddress } from './support/address.ts';
import { type MavenBuild, mavenBuild } from './support/maven.ts';
import { startReference } from './support/reference-server.ts';
import type { ServerHandle, ServerOptions, TransportImpl } from './transport.ts';

const PROJECT = fileURLToPath(new URL('./reference/spring-cloud', import.meta.url));
/** A JVM and Spring Boot take about 5 s to listen here; a first start on a busy machine, longer. */
const READY_MS = 90_000;
/** The JVM's heap, fixed: as a deployment would size it, and so that it does not grow while it is measured. */
const HEAP = '256m';

let built: Promise<MavenBuild> | undefined;
const build = () => (built ??= mavenBuild(PROJECT, 'spring-cloud'));

export const springCloud = {
  codec: httpJson.codec,
  // the first run builds the server (a minute or two: Maven downloads Spring's jars); later runs find it built
  prepare: async () => {
    const b = await build();
    return b.missing ? `the Spring Boot server cannot be built: ${b.missing}` : null;
  },
  serve,
  connect: httpJson.connect,
} satisfies TransportImpl;

async function serve(listen: string, service: Service, options: ServerOptions): Promise<ServerHandle> {
  const { host, port } = hostPort(parseAddress(listen, ['http:']), 0);
  if (host !== '127.0.0.1' && host !== 'localhost') throw new Error(`the Spring Boot server listens on 127.0.0.1 only, not ${host}`);
  const b = await build();
  if (b.missing) throw new Error(`the Spring Boot server cannot be built: ${b.missing}`);
  const { payloadEntries, serverWorkUs } = service.options;
  const args = ['server', String(port), String(payloadEntries), String(serverWorkUs), String(options.maxMessageBytes)];
  return startReference({
    what: 'the Spring Boot server',
    command: 'java',
    args: [`-Xms${HEAP}`, `-Xmx${HEAP}`, '-cp', b.classpath, 'rpcbench.SpringCloudPeer', ...args],
    ready: /listening (http:\/\/\S+)/,
    readyMs: READY_MS,
  });
}
