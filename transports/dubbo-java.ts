// dubbo:java: the dubbo row with Dubbo's own provider (Apache Dubbo 3.3, Java: the dubbo protocol, Hessian 2, Netty),
// built from Maven Central the first time the row runs (transports/reference/dubbo) and started by our server child,
// which counts the JVM's CPU as the server's and stops it with itself. The client is ours, the dubbo row's; Dubbo's
// Java consumer calls our server in test/interop-dubbo.test.ts.
import { fileURLToPath } from 'node:url';
import type { Service } from './contract.ts';
import { dubbo } from './dubbo.ts';
import { hostPort, parseAddress } from './support/address.ts';
import { JAVA_CONTRACT, type MavenBuild, mavenBuild } from './support/maven.ts';
import { startReference } from './support/reference-server.ts';
import { freePort } from './support/sockets.ts';
import type { ServerHandle, ServerOptions, TransportImpl } from './transport.ts';

const PROJECT = fileURLToPath(new URL('./reference/dubbo', import.meta.url));
/** A JVM and Dubbo take a few seconds to listen here; a first start on a busy machine, longer. */
const READY_MS = 90_000;
/** The JVM's heap, fixed, as spring-cloud's: as a deployment would size it, and so that it does not grow while measured. */
const HEAP = '256m';

let built: Promise<MavenBuild> | undefined;
export const buildDubboPeer = () => (built ??= mavenBuild(PROJECT, 'dubbo', [JAVA_CONTRACT]));

export const dubboJava = {
  codec: dubbo.codec,
  // the first run builds the provider (a minute or two: Maven downloads Dubbo's jars); later runs find it built
  prepare: async () => {
    const b = await buildDubboPeer();
    return b.missing ? `the Dubbo provider cannot be built: ${b.missing}` : null;
  },
  serve,
  connect: dubbo.connect,
} satisfies TransportImpl;

async function serve(listen: string, service: Service, options: ServerOptions): Promise<ServerHandle> {
  const { host, port } = hostPort(parseAddress(listen, ['dubbo:']), 0);
  if (host !== '127.0.0.1' && host !== 'localhost') throw new Error(`the Dubbo provider listens on 127.0.0.1 only, not ${host}`);
  const b = await buildDubboPeer();
  if (b.missing) throw new Error(`the Dubbo provider cannot be built: ${b.missing}`);
  const { payloadEntries, serverWorkUs } = service.options;
  const args = ['server', String(port || (await freePort())), String(payloadEntries), String(serverWorkUs), String(options.maxMessageBytes)];
  return startReference({
    what: 'the Dubbo provider',
    command: 'java',
    args: [`-Xms${HEAP}`, `-Xmx${HEAP}`, '-cp', b.classpath, 'rpcbench.DubboPeer', ...args],
    ready: /listening (dubbo:\/\/\S+)/,
    readyMs: READY_MS,
  });
}
