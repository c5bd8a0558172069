// The one place transports are listed, and what a name on the command line means. A line here is what is known
// of a transport without loading it (name, summary, traits, schemes, default address) and how to load it: its file
// is import()ed only when the transport runs, so `--help`, `compare` and `merge` load no transport library, and a
// server child or a client worker loads the one it runs. Plugins (--plugin) add lines of their own (plugins.ts).
// Adding a transport: write its file, add its line here, cover it in test/.
//
// A name is a transport's own name (`tcp`, `amqp:direct-reply`), or a group that is not itself a transport
// (`amqp`). A group means different members depending on what is asked for (see `Purpose`), always the same way.

import { BROKERS, type BrokerKind, brokerUrlFromEnv } from './support/broker.ts';
import { didYouMean } from './support/names.ts';
import { MEASURED, type Transport, type TransportImpl, type TransportMeta, type TransportTraits } from './transport.ts';

export interface TransportEntry extends TransportMeta {
  /** Imports the transport's file (once) and returns the whole transport. */
  load(): Promise<Transport>;
  /** The module a plugin came from (an absolute path), so that a server child can load it too; absent when built in. */
  plugin?: string;
}

/** A registry line: the metadata, and the file that implements it, loaded on demand. */
function line(meta: Omit<TransportMeta, 'traits'> & { traits?: Partial<TransportTraits> }, load: () => Promise<TransportImpl>): TransportEntry {
  const full = { ...meta, traits: { ...MEASURED, ...meta.traits } };
  let loaded: Promise<Transport> | undefined;
  return { ...full, load: () => (loaded ??= load().then((impl) => ({ ...full, ...impl }))) };
}

/** A brokered transport's default address: its broker as configured (*_URL, else local); the file fills in its queue. */
const brokered = (kind: BrokerKind) => ({ defaultListen: brokerUrlFromEnv(kind), brokerEnv: kind.envVar });

const local = (scheme: string) => ({ schemes: [`${scheme}:`], defaultListen: `${scheme}://127.0.0.1:0` });

const amqp = (variant: string, summary: string, traits: Partial<TransportTraits> = {}) =>
  line(
    {
      name: `amqp:${variant}`,
      summary: `RabbitMQ RPC (AMQP 0-9-1): ${summary}`,
      traits: { group: 'amqp', inDefault: false, ...traits },
      ...brokered(BROKERS.rabbitmq),
      schemes: ['amqp:', 'amqps:'],
    },
    () => import('./amqp.ts').then((m) => m.amqpVariant(variant)),
  );

const BUILT_IN: readonly TransportEntry[] = [
  line(
    {
      name: 'inproc',
      summary: 'direct function call in the client process (harness floor)',
      traits: { role: 'harness-floor', charted: false, inProcess: true, serverProcesses: 0 },
      schemes: ['inproc:'],
      defaultListen: 'inproc://',
    },
    () => import('./inproc.ts').then((m) => m.inproc),
  ),
  line({ name: 'tcp', summary: 'raw TCP, length-prefixed MessagePack, multiplexed (wire floor)', traits: { role: 'wire-floor' }, ...local('tcp') }, () =>
    import('./tcp.ts').then((m) => m.tcp),
  ),
  line({ name: 'http', summary: 'HTTP/1.1 + JSON, keep-alive, one POST per call', ...local('http') }, () => import('./http.ts').then((m) => m.httpJson)),
  line(
    {
      name: 'spring-cloud',
      // not in the default matrix: its first run builds the server with Maven (a minute or two)
      summary: "REST + JSON served by Spring Boot 4 (Spring MVC on Tomcat, Java: the reference's server), called by our HTTP/1.1 client",
      traits: { inDefault: false, referenceServer: 'Spring Boot 4.0.7: Spring MVC on Tomcat (Java 17, heap 256 MB)' },
      ...local('http'),
    },
    () => import('./spring-cloud.ts').then((m) => m.springCloud),
  ),
  line(
    {
      name: 'dubbo',
      // not in the default matrix, as its dubbo:java sibling (whose first run builds Dubbo's provider with Maven) is not
      summary: "Apache Dubbo's dubbo protocol (16-byte header, Hessian 2 bodies) over TCP, our server and client",
      traits: { group: 'dubbo', inDefault: false },
      ...local('dubbo'),
    },
    () => import('./dubbo.ts').then((m) => m.dubbo),
  ),
  line(
    {
      name: 'dubbo:java',
      summary: "Dubbo's own provider (Apache Dubbo 3.3, Java: the reference), called by our dubbo client",
      traits: { group: 'dubbo', inDefault: false, referenceServer: 'Apache Dubbo 3.3.6: the dubbo protocol, Hessian 2, Netty 4 (Java 17, heap 256 MB)' },
      ...local('dubbo'),
    },
    () => import('./dubbo-java.ts').then((m) => m.dubboJava),
  ),
  line(
    {
      name: 'dubbo:triple',
      summary: "Dubbo 3's Triple protocol (gRPC over HTTP/2, Hessian 2 in Dubbo's protobuf wrappers), our server and client",
      traits: { group: 'dubbo', inDefault: false },
      ...local('tri'),
    },
    () => import('./dubbo-triple.ts').then((m) => m.dubboTriple),
  ),
  line(
    {
      name: 'dubbo:triple-java',
      summary: "Dubbo's own Triple provider (Apache Dubbo 3.3, Java: the reference), called by our dubbo:triple client",
      traits: { group: 'dubbo', inDefault: false, referenceServer: 'Apache Dubbo 3.3.6: Triple, Hessian 2 wrappers, Netty 4 HTTP/2 (Java 17, heap 256 MB)' },
      ...local('tri'),
    },
    () => import('./dubbo-java.ts').then((m) => m.dubboTripleJava),
  ),
  line(
    {
      name: 'motan',
      // not in the default matrix, as its motan:java sibling (whose first run builds Motan's provider with Maven) is not
      summary: "Weibo Motan's motan2 protocol (13-byte header, meta lines, simple serialization) over TCP, our server and client",
      traits: { group: 'motan', inDefault: false },
      ...local('motan2'),
    },
    () => import('./motan.ts').then((m) => m.motan),
  ),
  line(
    {
      name: 'motan:java',
      summary: "Motan's own provider (Weibo's Motan 1.2, Java: the reference), called by our motan client",
      traits: { group: 'motan', inDefault: false, referenceServer: 'Motan 1.2.2: the motan2 protocol, simple serialization, Netty 4 (Java 17, heap 256 MB)' },
      ...local('motan2'),
    },
    () => import('./motan-java.ts').then((m) => m.motanJava),
  ),
  line(
    {
      name: 'rpcx',
      // not in the default matrix, as its rpcx:go sibling (whose first run builds rpcx's server with Go) is not
      summary: 'the rpcx protocol (header, service, method, metadata, payload) with MessagePack over TCP, our server and client',
      traits: { group: 'rpcx', inDefault: false },
      ...local('rpcx'),
    },
    () => import('./rpcx.ts').then((m) => m.rpcx),
  ),
  line(
    {
      name: 'rpcx:go',
      summary: "rpcx's own server (github.com/smallnest/rpcx, Go: the reference), called by our rpcx client",
      traits: { group: 'rpcx', inDefault: false, referenceServer: "rpcx v1.9.3: its Go server, MessagePack codec (built with this machine's Go)" },
      ...local('rpcx'),
    },
    () => import('./rpcx-go.ts').then((m) => m.rpcxGo),
  ),
  line(
    {
      name: 'xmlrpc',
      summary: 'XML-RPC over HTTP/1.1 (streaming-parser codec), interoperates with Python xmlrpc',
      traits: { group: 'xmlrpc' },
      ...local('http'),
    },
    () => import('./xmlrpc.ts').then((m) => m.xmlrpc),
  ),
  line(
    {
      name: 'xmlrpc:package',
      summary: 'XML-RPC over HTTP/1.1 with the xmlrpc npm package (its client and sax-based codec)',
      traits: { group: 'xmlrpc' },
      ...local('http'),
    },
    () => import('./xmlrpc-package.ts').then((m) => m.xmlrpcPackage),
  ),
  line(
    {
      name: 'hessian',
      summary: "Hessian 2 RPC over HTTP/1.1 (hessian.js), interoperates with Caucho's Java HessianSkeleton and HessianProxyFactory",
      ...local('http'),
    },
    () => import('./hessian.ts').then((m) => m.hessianTransport),
  ),
  line({ name: 'zerorpc', summary: 'ZeroRPC v3: ZeroMQ ROUTER/DEALER + MessagePack, interoperates with zerorpc-python', ...local('tcp') }, () =>
    import('./zerorpc.ts').then((m) => m.zerorpc),
  ),
  line(
    {
      name: 'grpc',
      summary: 'gRPC (@grpc/grpc-js, proto-loader), unary calls multiplexed on one HTTP/2 connection',
      traits: { group: 'grpc' },
      ...local('grpc'),
    },
    () => import('./grpc.ts').then((m) => m.grpcJs),
  ),
  line(
    {
      name: 'grpc:connect',
      summary: 'gRPC with Connect for Node (@connectrpc/connect-node 2.1, protobuf-es), HTTP/2',
      traits: { group: 'grpc' },
      ...local('grpc'),
    },
    () => import('./grpc-connect.ts').then((m) => m.grpcConnect),
  ),
  ...(['binary', 'compact'] as const).map((protocol) =>
    line(
      {
        name: `thrift:${protocol}`,
        summary: `Apache Thrift, TFramedTransport + ${protocol === 'binary' ? 'TBinaryProtocol' : 'TCompactProtocol'}, multiplexed by seqid`,
        traits: { group: 'thrift' },
        ...local('tcp'),
      },
      () => import('./thrift.ts').then((m) => m.thriftProtocol(protocol)),
    ),
  ),
  amqp('direct-reply', 'direct reply-to, manual ack, prefetch 100, transient', { inDefault: true, clientSide: true }),
  amqp('exclusive-queue', 'exclusive reply queue per client (tutorial), manual ack, prefetch 100', { inDefault: true, clientSide: true }),
  amqp('auto-ack', 'direct reply-to, server auto-ack (no prefetch limit)'),
  amqp('prefetch-1', 'direct reply-to, manual ack, prefetch 1 (fair dispatch, the tutorial server)'),
  amqp('persistent', 'durable queues, persistent requests and replies, no confirms'),
  amqp('persistent-confirms', 'durable queues, persistent messages, publisher confirms both ways: no confirmed request is lost', { inDefault: true }),
  amqp('workers-2', 'direct reply-to, 2 competing server processes, prefetch 100', { serverProcesses: 2 }),
  line(
    {
      name: 'celery',
      summary: "Celery's task protocol 2 over RabbitMQ, rpc:// results: serves and calls Python Celery workers and clients",
      ...brokered(BROKERS.rabbitmq),
      schemes: ['amqp:', 'amqps:'],
    },
    () => import('./celery.ts').then((m) => m.celery),
  ),
  ...(['list', 'streams'] as const).map((kind) =>
    line(
      {
        name: kind === 'list' ? 'redis' : 'redis:streams',
        summary:
          kind === 'list'
            ? 'RPC over Redis: request list, BLMPOP batches, a reply list per client'
            : 'RPC over Redis Streams: a consumer group with acks, a reply list per client',
        traits: { group: 'redis' },
        ...brokered(BROKERS.redis),
        schemes: ['redis:', 'rediss:'],
      },
      () => import('./redis.ts').then((m) => m.redisKind(kind)),
    ),
  ),
  line(
    {
      name: 'nats',
      summary: 'core NATS request-reply: the client inbox, servers in a queue group',
      ...brokered(BROKERS.nats),
      schemes: ['nats:'],
    },
    () => import('./nats.ts').then((m) => m.nats),
  ),
  ...([0, 1] as const).map((qos) =>
    line(
      {
        name: qos === 0 ? 'mqtt' : 'mqtt:qos1',
        summary: `MQTT 5 request/response (response topic + correlation data), QoS ${qos}, shared subscription`,
        // QoS 1 is not in the default matrix: on Mosquitto's defaults (set_tcp_nodelay false) every call waits ~40 ms
        // for a delayed ACK, so the row measures that, not MQTT; --transports mqtt:qos1 (or mqtt:*) runs it
        traits: { group: 'mqtt', inDefault: qos === 0 },
        ...brokered(BROKERS.mosquitto),
        schemes: ['mqtt:', 'mqtts:'],
      },
      () => import('./mqtt.ts').then((m) => m.mqttQos(qos)),
    ),
  ),
  line(
    {
      name: 'kafka',
      summary: "RPC over Apache Kafka: Spring Kafka's request/reply headers, a reply topic per client, servers in a consumer group; acks=1",
      traits: { group: 'kafka' },
      ...brokered(BROKERS.kafka),
      schemes: ['kafka:'],
    },
    () => import('./kafka.ts').then((m) => m.kafka),
  ),
  line(
    {
      name: 'kafka:acks-all',
      // not in the default matrix: on one broker (replication 1) it differs from kafka only by the idempotent
      // producer's bookkeeping; --transports kafka:acks-all (or kafka:*) runs it
      summary: 'kafka with acks=all and the idempotent producer, for requests and replies',
      traits: { group: 'kafka', inDefault: false },
      ...brokered(BROKERS.kafka),
      schemes: ['kafka:'],
    },
    () => import('./kafka.ts').then((m) => m.kafkaRow({ acks: -1, idempotent: true }, '-acks-all')),
  ),
  line(
    {
      name: 'rocketmq',
      summary: 'RPC over Apache RocketMQ: its own request/reply (a reply pushed by the broker to the client that asked), in its remoting protocol',
      ...brokered(BROKERS.rocketmq),
      schemes: ['rocketmq:'],
    },
    () => import('./rocketmq.ts').then((m) => m.rocketmq),
  ),
];

/** Built-in transports, then those plugins added (in the order given). */
const entries: TransportEntry[] = [...BUILT_IN];

export function transports(): readonly TransportEntry[] {
  return entries;
}

/** Adds a plugin's transports (plugins.ts checks them first); a name already taken is the caller's error to report. */
export function addTransports(added: TransportEntry[]): void {
  entries.push(...added);
}

export class TransportNameError extends Error {
  constructor(readonly unknownName: string) {
    super(`unknown transport ${JSON.stringify(unknownName)}${didYouMean(unknownName, allowedNames())}; allowed: ${allowedNames().join(', ')}`);
  }
}

/**
 * What a group name stands for:
 * - `run`: the members to benchmark (`--transports amqp`): those in the default matrix;
 * - `every`: all members (`--server-work-us amqp=40`, `--transports amqp:*`);
 * - `one`: where one server is meant (`serve`): the group's first member;
 * - `target`: against a foreign server (`--target amqp=URL`): the members that are client-side choices.
 */
export type Purpose = 'run' | 'every' | 'one' | 'target';

export function findTransport(name: string): TransportEntry | undefined {
  return entries.find((t) => t.name === name);
}

const loaded = new Map<string, Promise<Transport>>();

/** The transport itself, its file loaded; throws TransportNameError for a name nobody registered. */
export function loadTransport(name: string): Promise<Transport> {
  const entry = findTransport(name);
  if (!entry) throw new TransportNameError(name);
  if (!loaded.has(name)) loaded.set(name, entry.load());
  return loaded.get(name)!;
}

/** Releases what the transports loaded so far acquired (a broker container): at the end of a run, also on Ctrl-C. */
export async function releaseLoaded(): Promise<void> {
  const all = await Promise.allSettled(loaded.values());
  await Promise.all(all.map((t) => (t.status === 'fulfilled' ? t.value.release?.() : undefined)));
}

export function groupMembers(group: string): TransportEntry[] {
  return entries.filter((t) => t.traits.group === group);
}

/** Group names that are not themselves transports, each with its members. */
export function groups(): Map<string, TransportEntry[]> {
  const out = new Map<string, TransportEntry[]>();
  for (const t of entries) {
    const g = t.traits.group;
    if (g && !findTransport(g)) out.set(g, [...(out.get(g) ?? []), t]);
  }
  return out;
}

/** The transports a command-line name means for `purpose`; `GROUP:*` is every member of a group. */
export function resolve(name: string, purpose: Purpose): TransportEntry[] {
  const exact = findTransport(name);
  if (exact) return [exact];
  const wildcard = name.endsWith(':*');
  const members = groupMembers(wildcard ? name.slice(0, -2) : name);
  if (!members.length) throw new TransportNameError(name);
  if (wildcard || purpose === 'every') return members;
  if (purpose === 'one') return [members[0]!];
  if (purpose === 'target') {
    const clientSide = members.filter((t) => t.traits.clientSide);
    return clientSide.length ? clientSide : [members[0]!];
  }
  return members.filter((t) => t.traits.inDefault);
}

/** Transport names, then group names (with their `:*` form). */
export function allowedNames(): string[] {
  return [...entries.map((t) => t.name), ...[...groups().keys()].flatMap((g) => [g, `${g}:*`])];
}

/** The default matrix of `npm run bench`. */
export function defaultTransports(): TransportEntry[] {
  return entries.filter((t) => t.traits.inDefault);
}
