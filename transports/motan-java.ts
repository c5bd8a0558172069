// motan:java: the motan row with Motan's own provider (Weibo's Motan 1.2.2, Java: the motan2 protocol, simple
// serialization, Netty 4), built from Maven Central the first time the row runs (transports/reference/motan) and
// started by our server child, which counts the JVM's CPU as the server's and stops it with itself. The client is
// ours, the motan row's; Motan's Java client calls our server in test/interop-motan.test.ts.
import { fileURLToPath } from 'node:url';
import type { Service } from './contract.ts';
import { motan } from './motan.ts';
import { hostPort, parseAddress } from './support/address.ts';
import { JAVA_CONTRACT, type MavenBuild, mavenBuild } from './support/maven.ts';
import { startReference } from './support/reference-server.ts';
import { freePort } from './support/sockets.ts';
import type { ServerHandle, ServerOptions, TransportImpl } from './transport.ts';

const PROJECT = fileURLToPath(new URL('./reference/motan', import.meta.url));
/** A JVM and Motan take a few seconds to listen here; a first start on a busy machine, longer. */
const READY_MS = 90_000;
/** The JVM's heap, fixed, as dubbo:java's: as a deployment would size it, and so that it does not grow while measured. */
const HEAP = '256m';

let built: Promise<MavenBuild> | undefined;
export const buildMotanPeer = () => (built ??= mavenBuild(PROJECT, 'motan', [JAVA_CONTRACT]));

export const motanJava = {
  codec: motan.codec,
  // the first run builds the provider (a minute or so: Maven downloads Motan's jars); later runs find it built
  prepare: async () => {
    const b = await buildMotanPeer();
    return b.missing ? `the Motan provider cannot be built: ${b.missing}` : null;
  },
  serve,
  connect: motan.connect,
} satisfies TransportImpl;

async function serve(listen: string, service: Service, options: ServerOptions): Promise<ServerHandle> {
  const { host, port } = hostPort(parseAddress(listen, ['motan2:']), 0);
  // Motan's own server binds loopback only (LoopbackNettyServer in the provider's project)
  if (host !== '127.0.0.1' && host !== 'localhost') throw new Error(`the Motan provider listens on 127.0.0.1 only, not ${host}`);
  const b = await buildMotanPeer();
  if (b.missing) throw new Error(`the Motan provider cannot be built: ${b.missing}`);
  const { payloadEntries, serverWorkUs } = service.options;
  // Motan exports a fixed port (0 is not "any"): a free one is picked here
  const args = ['server', String(port || (await freePort())), String(payloadEntries), String(serverWorkUs), String(options.maxMessageBytes)];
  return startReference({
    what: 'the Motan provider',
    command: 'java',
    args: [`-Xms${HEAP}`, `-Xmx${HEAP}`, '-cp', b.classpath, 'rpcbench.MotanPeer', ...args],
    ready: /listening (motan2:\/\/\S+)/,
    readyMs: READY_MS,
  });
}
