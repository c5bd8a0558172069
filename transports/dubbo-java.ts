// dubbo:java and dubbo:triple-java: the dubbo and dubbo:triple rows with Dubbo's own provider (Apache Dubbo 3.3, Java,
// Hessian 2, Netty; the dubbo protocol or Triple), built from Maven Central the first time a row runs
// (transports/reference/dubbo) and started by our server child, which counts the JVM's CPU as the server's and stops it
// with itself. The client is ours, the sibling row's; Dubbo's Java consumer calls our servers in
// test/interop-dubbo.test.ts.
import { fileURLToPath } from 'node:url';
import type { Service } from './contract.ts';
import { dubbo } from './dubbo.ts';
import { dubboTriple } from './dubbo-triple.ts';
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

/** Dubbo's name of each protocol (its -Drpcbench.protocol), and our row that speaks it. */
const PROTOCOLS = { dubbo: dubbo, tri: dubboTriple } as const;
export type DubboProtocol = keyof typeof PROTOCOLS;

/** The JVM's arguments before the peer's own: the heap, the protocol, the class path. */
export const dubboJvm = (protocol: DubboProtocol, classpath: string) => [
  `-Xms${HEAP}`,
  `-Xmx${HEAP}`,
  `-Drpcbench.protocol=${protocol}`,
  '-cp',
  classpath,
  'rpcbench.DubboPeer',
];

const providerRow = (protocol: DubboProtocol) =>
  ({
    codec: PROTOCOLS[protocol].codec,
    // the first run builds the provider (a minute or two: Maven downloads Dubbo's jars); later runs find it built
    prepare: async () => {
      const b = await buildDubboPeer();
      return b.missing ? `the Dubbo provider cannot be built: ${b.missing}` : null;
    },
    serve: (listen, service, options) => serve(protocol, listen, service, options),
    connect: PROTOCOLS[protocol].connect,
  }) satisfies TransportImpl;

export const dubboJava = providerRow('dubbo');
export const dubboTripleJava = providerRow('tri');

async function serve(protocol: DubboProtocol, listen: string, service: Service, options: ServerOptions): Promise<ServerHandle> {
  const { host, port } = hostPort(parseAddress(listen, [`${protocol}:`]), 0);
  if (host !== '127.0.0.1' && host !== 'localhost') throw new Error(`the Dubbo provider listens on 127.0.0.1 only, not ${host}`);
  const b = await buildDubboPeer();
  if (b.missing) throw new Error(`the Dubbo provider cannot be built: ${b.missing}`);
  const { payloadEntries, serverWorkUs } = service.options;
  const args = ['server', String(port || (await freePort())), String(payloadEntries), String(serverWorkUs), String(options.maxMessageBytes)];
  return startReference({
    what: 'the Dubbo provider',
    command: 'java',
    args: [...dubboJvm(protocol, b.classpath), ...args],
    ready: /listening ((?:dubbo|tri):\/\/\S+)/,
    readyMs: READY_MS,
  });
}
