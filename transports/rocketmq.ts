// rocketmq: RPC over Apache RocketMQ with its own request/reply (RocketMQ 4.6+: DefaultMQProducer#request and
// MessageUtil#createReplyMessage), spoken in its remoting protocol (support/rocketmq-remoting.ts), so that a Java
// producer's request() calls our server and our client calls a Java consumer that answers with createReplyMessage:
//   request: a message on the request topic with the properties CORRELATION_ID, REPLY_TO_CLIENT (the asking client's
//            id, which it registered with the broker by heartbeat) and TTL (ms);
//   reply:   sent with SEND_REPLY_MESSAGE to the topic `<cluster>_REPLY_TOPIC` with the request's CORRELATION_ID,
//            REPLY_TO_CLIENT and TTL and MSG_TYPE=reply; the broker pushes it to that client's connection
//            (PUSH_REPLY_MESSAGE_TO_CLIENT), not through a queue.
// The address is the NameServer's, rocketmq://host:9876?topic=NAME; the broker is found through it. Values are the
// broker envelope (support/envelope.ts), JSON. The server creates the request topic (one queue) when it is missing and
// pulls it (long polling) in its consumer group `<topic>-servers`, whose offset the broker keeps; one server per topic
// (no rebalancing: a second server on the same topic would answer the same requests). A message without those
// properties, or with bad ones, is dropped with a log line.
import { randomBytes } from 'node:crypto';
import { RemoteError, type Service } from './contract.ts';
import { type HostPort, hostPort, maskAddress, parseAddress, withParam } from './support/address.ts';
import { BROKERS, brokerFinder, probeReason } from './support/broker.ts';
import { answer, decodeReply, decodeRequest, encode, encodeReply, envelopeCodec, outcome } from './support/envelope.ts';
import { PendingCalls } from './support/pending.ts';
import {
  type Command,
  decodeMessages,
  decodeProperties,
  encodeProperties,
  lenientJson,
  type PulledMessage,
  REQUEST,
  RESPONSE,
  RemotingConnection,
  RemotingError,
} from './support/rocketmq-remoting.ts';
import { RUN_ID } from './support/run-id.ts';
import type { ClientHandle, ClientOptions, ServerHandle, ServerOptions, TransportImpl } from './transport.ts';

export const DEFAULT_TOPIC = 'rpcbench-rpc';
/** Topics and groups named so are a run's own: removed at its end (forget), also after a server's kill -9. */
export const OWN_PREFIX = 'rpcbench-';
export const PROPERTIES = { correlationId: 'CORRELATION_ID', replyTo: 'REPLY_TO_CLIENT', ttl: 'TTL', cluster: 'CLUSTER', type: 'MSG_TYPE' } as const;
/** RocketMQ's own rule for a topic or group name (TopicValidator). */
const NAME = /^[%|a-zA-Z0-9_-]{1,127}$/;
/** Requests a server works on at once: more wait in the broker, not in our memory (as amqp's prefetch of 100). */
const MAX_IN_FLIGHT = 100;
/** Messages a pull asks for (the broker also caps a pull at 256 KB of messages in memory). */
const PULL_BATCH = 32;
/** How long the broker holds a pull that finds nothing (long polling), and the pull's deadline beyond it. */
const SUSPEND_MS = 15_000;
/** Java's correlation ids are UUIDs (36 characters); a longer one is refused, so that a message cannot make us echo megabytes. */
const MAX_CORRELATION_CHARS = 256;
/** The broker forgets a client that has not sent a heartbeat for 120 s: one every 20 s. */
const HEARTBEAT_MS = 20_000;
/** The topic a producer names as its template, as every RocketMQ client does (TopicValidator.AUTO_CREATE_TOPIC_KEY_TOPIC). */
const TEMPLATE_TOPIC = 'TBW102';
/** PullSysFlag: commit the offset given, wait at the broker for messages (long polling), the subscription is in the request. */
const PULL_FLAGS = 0x1 | 0x2 | 0x4;

export interface RocketmqAddress {
  host: string;
  port: number;
  masked: string;
  topic: string;
}

/** rocketmq://host:port?topic=NAME: the NameServer (port 9876 unless given); topic defaults to rpcbench-rpc. */
export function parseRocketmqAddress(address: string): RocketmqAddress {
  const url = parseAddress(address, ['rocketmq:']);
  const { host, port } = hostPort(url, 9876);
  const topic = url.searchParams.get('topic') || DEFAULT_TOPIC;
  if (!NAME.test(topic)) throw new Error(`not a RocketMQ topic name: ${JSON.stringify(topic)} (letters, digits, % | _ -, at most 127)`);
  return { host, port, masked: maskAddress(withParam(url.href, 'topic', topic)), topic };
}

const serverGroup = (topic: string) => `${topic}-servers`;

/** A connection with the row's bounds: frames up to the largest message and its headers. */
function connection(
  host: string,
  port: number,
  timeoutMs: number,
  maxMessageBytes: number,
  onRequest?: (c: Command) => Promise<{ code: number; remark?: string }>,
) {
  return RemotingConnection.open({ host, port, timeoutMs, maxFrameBytes: 2 * maxMessageBytes + 64 * 1024, ...(onRequest ? { onRequest } : {}) });
}

async function withNameServer<T>(address: RocketmqAddress, timeoutMs: number, use: (ns: RemotingConnection) => Promise<T>): Promise<T> {
  const ns = await connection(address.host, address.port, timeoutMs, 1 << 20);
  try {
    return await use(ns);
  } finally {
    ns.close();
  }
}

interface ClusterInfo {
  brokerAddrTable?: Record<string, { brokerAddrs?: Record<string, string>; cluster?: string }>;
}

/** Each broker group's master address (id 0), from the NameServer. */
async function masters(ns: RemotingConnection): Promise<string[]> {
  const r = await ns.call(REQUEST.GET_BROKER_CLUSTER_INFO, {}, 'the cluster info');
  const info = lenientJson(r.body?.toString('utf8') || '{}') as ClusterInfo;
  return Object.values(info.brokerAddrTable ?? {}).flatMap((b) => (b.brokerAddrs?.['0'] ? [b.brokerAddrs['0']] : []));
}

interface Route {
  broker: string;
  cluster: string;
  readQueues: number;
  writeQueues: number;
}

/** Where the topic lives (its first broker group's master), or null when the NameServer knows no such topic. */
async function routeOf(ns: RemotingConnection, topic: string): Promise<Route | null> {
  const r = await ns.invoke(REQUEST.GET_ROUTEINFO_BY_TOPIC, { topic }, `the route of ${topic}`);
  if (r.code === RESPONSE.TOPIC_NOT_EXIST) return null;
  if (r.code !== RESPONSE.SUCCESS) throw new RemotingError(r.code, r.remark, `the route of ${topic}`);
  const route = lenientJson(r.body?.toString('utf8') || '{}') as {
    brokerDatas?: { brokerName: string; cluster: string; brokerAddrs: Record<string, string> }[];
    queueDatas?: { brokerName: string; readQueueNums: number; writeQueueNums: number }[];
  };
  for (const b of route.brokerDatas ?? []) {
    const q = route.queueDatas?.find((x) => x.brokerName === b.brokerName);
    if (b.brokerAddrs['0'] && q) return { broker: b.brokerAddrs['0'], cluster: b.cluster, readQueues: q.readQueueNums, writeQueues: q.writeQueueNums };
  }
  return null;
}

const split = (hostAndPort: string) => {
  const at = hostAndPort.lastIndexOf(':');
  return { host: hostAndPort.slice(0, at), port: Number(hostAndPort.slice(at + 1)) };
};

/** Each broker group's master, as the NameServer at `url` lists them: where a topic's and a group's tables live. */
export async function brokerMasters(url: string): Promise<{ host: string; port: number }[]> {
  return (await withNameServer(parseRocketmqAddress(url), 5000, masters)).map(split);
}

export const rocketmqBroker = brokerFinder(BROKERS.rocketmq, async (url) => {
  try {
    const address = parseRocketmqAddress(url);
    const brokers = await withNameServer(address, 3000, masters);
    return brokers.length ? null : 'its NameServer knows no broker';
  } catch (error) {
    return probeReason(error);
  }
});

export const rocketmq = {
  codec: envelopeCodec,
  benchListen: () => `${rocketmqBroker.url()}?topic=${OWN_PREFIX}${RUN_ID}-rocketmq`,
  prepare: () => rocketmqBroker.prepare(),
  release: () => rocketmqBroker.release(),
  forget,
  serve,
  connect,
  brokerHop,
  describeBroker,
} satisfies TransportImpl;

/** "Apache RocketMQ V5_5_0, broker rpcbench of DefaultCluster (ASYNC_MASTER, ASYNC_FLUSH); topic T: 1 queue; ..." */
async function describeBroker(address: string): Promise<string> {
  const target = parseRocketmqAddress(address);
  const route = await withNameServer(target, 5000, (ns) => routeOf(ns, target.topic));
  if (!route) throw new Error(`the NameServer knows no topic ${target.topic}`);
  return onBroker(route.broker, 1 << 20, async (broker) => {
    const runtime = lenientJson((await broker.call(REQUEST.GET_BROKER_RUNTIME_INFO, {}, 'the runtime info')).body?.toString('utf8') || '{}') as {
      table?: Record<string, string>;
    };
    const config = (await broker.call(REQUEST.GET_BROKER_CONFIG, {}, 'the broker config')).body?.toString('utf8') ?? '';
    const setting = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(config)?.[1]?.trim() ?? '?';
    const version = runtime.table?.brokerVersionDesc ?? '(version not given)';
    const broker1 = `Apache RocketMQ ${version}, broker ${setting('brokerName')} of ${route.cluster} (${setting('brokerRole')}, ${setting('flushDiskType')})`;
    return `${broker1}; topic ${target.topic}: ${route.readQueues} queue(s); server pulls of ${PULL_BATCH}, long polling ${SUSPEND_MS / 1000} s`;
  });
}

/** The broker that holds the topic (its master): the process that does a call's broker work, not the NameServer. */
async function brokerHop(address: string): Promise<HostPort> {
  const target = parseRocketmqAddress(address);
  const route = await withNameServer(target, 5000, (ns) => routeOf(ns, target.topic));
  if (!route) throw new Error(`the NameServer knows no topic ${target.topic}`);
  return split(route.broker);
}

/** The run's request topic and its servers' group (with its offsets), from every broker and the NameServer. */
async function forget(listen: string): Promise<void> {
  const address = parseRocketmqAddress(listen);
  if (!address.topic.startsWith(OWN_PREFIX)) return;
  await withNameServer(address, 10_000, async (ns) => {
    for (const master of await masters(ns)) {
      const { host, port } = split(master);
      const broker = await connection(host, port, 10_000, 1 << 20);
      try {
        await broker.call(REQUEST.DELETE_TOPIC_IN_BROKER, { topic: address.topic }, `deleting ${address.topic}`);
        await broker.call(
          REQUEST.DELETE_SUBSCRIPTIONGROUP,
          { groupName: serverGroup(address.topic), cleanOffset: true },
          `deleting ${serverGroup(address.topic)}`,
        );
      } finally {
        broker.close();
      }
    }
    await ns.call(REQUEST.DELETE_TOPIC_IN_NAMESRV, { topic: address.topic }, `deleting ${address.topic} at the NameServer`);
  }).catch((error) => console.error(`rocketmq: could not clean up ${address.topic}: ${(error as Error).message}`));
}

/**
 * Creates the topic (one queue) on the first broker unless the NameServer already routes it, and the servers'
 * subscription group on the topic's broker; returns the topic's route. The group is made here, not left to the
 * broker's autoCreateSubscriptionGroup: with that on, a pull the broker still held when the run deleted the group
 * made it again at its timeout (seen: the group back 15 s after the run), so the project's broker has it off.
 */
async function ensureTopic(ns: RemotingConnection, topic: string, maxMessageBytes: number): Promise<Route> {
  let route = await routeOf(ns, topic);
  if (!route) {
    const [master] = await masters(ns);
    if (!master) throw new Error('its NameServer knows no broker');
    await onBroker(master, maxMessageBytes, (broker) => {
      const fields = {
        topic,
        defaultTopic: TEMPLATE_TOPIC,
        readQueueNums: 1,
        writeQueueNums: 1,
        perm: 6,
        topicFilterType: 'SINGLE_TAG',
        topicSysFlag: 0,
        order: false,
      };
      return broker.call(REQUEST.UPDATE_AND_CREATE_TOPIC, fields, `creating ${topic}`);
    });
    route = await routed(ns, topic);
  }
  const group = Buffer.from(JSON.stringify({ groupName: serverGroup(topic), consumeEnable: true }));
  await onBroker(route.broker, maxMessageBytes, (broker) =>
    broker.call(REQUEST.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, `creating ${serverGroup(topic)}`, group),
  );
  return route;
}

async function onBroker<T>(address: string, maxMessageBytes: number, use: (broker: RemotingConnection) => Promise<T>): Promise<T> {
  const { host, port } = split(address);
  const broker = await connection(host, port, 10_000, maxMessageBytes);
  try {
    return await use(broker);
  } finally {
    broker.close();
  }
}

/** The route of a topic just made: the broker registers a new topic with the NameServer as it creates it. */
async function routed(ns: RemotingConnection, topic: string): Promise<Route> {
  for (let tries = 0; tries < 50; tries++) {
    const route = await routeOf(ns, topic);
    if (route) return route;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the NameServer did not route ${topic} within 5 s of its creation`);
}

/** Where a request's reply goes, or why the request is refused. */
function replyOf(msg: PulledMessage): Record<string, string> | string {
  const p = msg.properties;
  const correlationId = p.get(PROPERTIES.correlationId);
  const replyTo = p.get(PROPERTIES.replyTo);
  const cluster = p.get(PROPERTIES.cluster);
  const ttl = p.get(PROPERTIES.ttl) ?? '3000';
  if (!correlationId || correlationId.length > MAX_CORRELATION_CHARS) return `no ${PROPERTIES.correlationId} property of 1-${MAX_CORRELATION_CHARS} characters`;
  if (!replyTo || replyTo.length > 255) return `no ${PROPERTIES.replyTo} property of 1-255 characters`;
  if (!cluster || !NAME.test(cluster)) return `no valid ${PROPERTIES.cluster} property (the broker sets it)`;
  if (!/^\d{1,10}$/.test(ttl)) return `a ${PROPERTIES.ttl} property that is not a number of ms`;
  return {
    [PROPERTIES.type]: 'reply',
    [PROPERTIES.correlationId]: correlationId,
    [PROPERTIES.replyTo]: replyTo,
    [PROPERTIES.ttl]: ttl,
    [PROPERTIES.cluster]: cluster,
  };
}

/**
 * The broker's answer to a reply for a client whose heartbeat has not reached it yet. RocketMQ's Java client sends its
 * first heartbeat to a broker after its first request() found the topic's route, and skips it when its scheduled
 * heartbeat holds the lock (MQClientInstance.sendHeartbeatToAllBrokerWithLock: tryLock), so the first reply can come
 * before the broker knows the client. Seen in a fresh clone under load: "push reply message fail, channel of <...> not
 * found" at 02:51:32, the client's heartbeat in the same second, and its request() timed out 10 s later. Such a reply
 * is sent again, after 50, 100, 200 ms and so on, while the request's TTL (at most MAX_REPLY_RETRY_MS) lasts.
 */
const NOT_YET_KNOWN = /channel of <.*> not found/;
const MAX_REPLY_RETRY_MS = 10_000;

async function serve(listen: string, service: Service, options: ServerOptions): Promise<ServerHandle> {
  const address = parseRocketmqAddress(listen);
  const group = serverGroup(address.topic);
  const route = await withNameServer(address, 10_000, (ns) => ensureTopic(ns, address.topic, options.maxMessageBytes)).catch((error) => {
    throw new Error(`cannot use RocketMQ at ${address.masked}: ${(error as Error).message} (set ROCKETMQ_URL to a reachable NameServer)`);
  });
  const { host, port } = split(route.broker);
  const broker = await connection(host, port, 10_000, options.maxMessageBytes);
  let closing = false;
  let inFlight = 0;
  let resumed: (() => void) | null = null;
  const failed = new Promise<Error>((resolve) => broker.onClose((e) => !closing && resolve(new Error(`RocketMQ broker at ${route.broker}: ${e.message}`))));

  const reply = async (msg: PulledMessage, properties: Record<string, string>) => {
    let request: ReturnType<typeof decodeRequest>;
    try {
      request = decodeRequest(msg.body, options.maxMessageBytes);
    } catch (error) {
      return void console.error(`rocketmq: dropping a malformed request at offset ${msg.queueOffset}: ${(error as Error).message}`);
    }
    const body = encodeReply(await answer(service, request), options.maxMessageBytes);
    const fields = sendFields(group, `${properties[PROPERTIES.cluster]}_REPLY_TOPIC`, 0, properties);
    const send = () => broker.invoke(REQUEST.SEND_REPLY_MESSAGE, fields, 'a reply', body).catch((error: Error) => ({ code: -1, remark: error.message }));
    const retryUntil = Date.now() + Math.min(Number(properties[PROPERTIES.ttl]), MAX_REPLY_RETRY_MS);
    let r = await send();
    for (let wait = 50; !closing && r.code !== RESPONSE.SUCCESS && NOT_YET_KNOWN.test(r.remark ?? '') && Date.now() + wait < retryUntil; wait *= 2) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      r = await send();
    }
    // the asking client is gone (its call timed out, or it closed): nothing to do but say so
    if (r.code !== RESPONSE.SUCCESS && !closing)
      console.error(`rocketmq: could not reply to ${JSON.stringify(properties[PROPERTIES.replyTo])}: ${r.remark ?? `code ${r.code}`}`);
  };
  const onMessage = (m: ReturnType<typeof decodeMessages>[number]) => {
    if ('error' in m) return void console.error(`rocketmq: dropping a request at offset ${m.queueOffset}: ${m.error}`);
    const properties = replyOf(m);
    if (typeof properties === 'string') return void console.error(`rocketmq: dropping a request at offset ${m.queueOffset}: ${properties}`);
    inFlight++;
    void reply(m, properties).finally(() => {
      if (--inFlight < MAX_IN_FLIGHT) resumed?.();
    });
  };
  const pulling = Array.from({ length: route.readQueues }, (_, queueId) =>
    pullLoop(broker, { group, topic: address.topic, queueId, maxBodyBytes: options.maxMessageBytes }, onMessage, {
      closing: () => closing,
      room: () => (inFlight < MAX_IN_FLIGHT ? Promise.resolve() : new Promise<void>((r) => (resumed = r))),
    }),
  );
  return {
    address: withParam(listen, 'topic', address.topic),
    // a pull loop ends only when closing, or when a pull failed (its deadline passed): a server that no longer pulls is a failed one
    failed: Promise.race([
      failed,
      ...pulling.map((p) =>
        p.then((e) => (closing ? new Promise<Error>(() => {}) : new Error(`RocketMQ broker at ${route.broker}: pulling stopped: ${e.message}`))),
      ),
    ]),
    async close() {
      closing = true;
      resumed?.();
      // the broker answers a reply's send after it pushed the reply: those answers are let in for a moment
      for (const until = Date.now() + 1000; inFlight > 0 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 10));
      broker.close();
      await Promise.allSettled(pulling);
    },
  };
}

interface Queue {
  group: string;
  /** A compressed body inflates to at most this. */
  maxBodyBytes: number;
  topic: string;
  queueId: number;
}

/** Pulls one queue until closing: from the group's committed offset, committing what it has taken on each pull. */
async function pullLoop(
  broker: RemotingConnection,
  q: Queue,
  onMessage: (m: ReturnType<typeof decodeMessages>[number]) => void,
  state: { closing(): boolean; room(): Promise<void> },
): Promise<Error> {
  const start = await committedOffset(broker, q).catch((error: Error) => error);
  if (start instanceof Error) return start;
  let offset = start;
  while (!state.closing() && broker.isOpen) {
    await state.room();
    if (state.closing()) break;
    const fields = {
      consumerGroup: q.group,
      topic: q.topic,
      queueId: q.queueId,
      queueOffset: offset,
      maxMsgNums: PULL_BATCH,
      sysFlag: PULL_FLAGS,
      commitOffset: offset,
      suspendTimeoutMillis: SUSPEND_MS,
      subscription: '*',
      subVersion: 0,
      expressionType: 'TAG',
    };
    const r = await broker.invoke(REQUEST.PULL_MESSAGE, fields, 'a pull', undefined, SUSPEND_MS + 10_000).catch((error: Error) => error);
    if (r instanceof Error) return r;
    const next = r.extFields.nextBeginOffset === undefined ? offset : BigInt(r.extFields.nextBeginOffset);
    if (r.code === RESPONSE.SUCCESS && r.body) {
      let messages: ReturnType<typeof decodeMessages> = [];
      try {
        messages = decodeMessages(r.body, q.maxBodyBytes);
      } catch (error) {
        console.error(`rocketmq: skipping a pull at offset ${offset} that does not decode: ${(error as Error).message}`);
      }
      for (const m of messages) onMessage(m);
      offset = next;
    } else if (r.code === RESPONSE.PULL_NOT_FOUND || r.code === RESPONSE.PULL_OFFSET_MOVED || r.code === RESPONSE.PULL_RETRY_IMMEDIATELY) {
      offset = next;
    } else {
      console.error(`rocketmq: a pull of ${q.topic} failed: code ${r.code}${r.remark ? ` (${r.remark})` : ''}`);
      await new Promise((res) => setTimeout(res, 1000));
    }
  }
  return new Error('closed');
}

async function committedOffset(broker: RemotingConnection, q: Queue): Promise<bigint> {
  const r = await broker.invoke(REQUEST.QUERY_CONSUMER_OFFSET, { consumerGroup: q.group, topic: q.topic, queueId: q.queueId }, 'the committed offset');
  return r.code === RESPONSE.SUCCESS && r.extFields.offset !== undefined ? BigInt(r.extFields.offset) : 0n;
}

/** SendMessageRequestHeader's fields for one message. */
function sendFields(producerGroup: string, topic: string, queueId: number, properties: Record<string, string>) {
  return {
    producerGroup,
    topic,
    defaultTopic: TEMPLATE_TOPIC,
    defaultTopicQueueNums: 4,
    queueId,
    sysFlag: 0,
    bornTimestamp: Date.now(),
    flag: 0,
    properties: encodeProperties(properties),
    reconsumeTimes: 0,
    unitMode: false,
    batch: false,
  };
}

async function connect(address: string, options: ClientOptions): Promise<ClientHandle> {
  const target = parseRocketmqAddress(address);
  const timeoutMs = Math.min(options.timeoutMs, 10_000);
  const route = await withNameServer(target, timeoutMs, clientRoute(target.topic)).catch((error) => {
    throw new Error(`cannot use RocketMQ at ${target.masked}: ${(error as Error).message} (set ROCKETMQ_URL to a reachable NameServer)`);
  });
  const clientId = `rpcbench@${process.pid}@${randomBytes(6).toString('hex')}`;
  const group = `${OWN_PREFIX}clients`;
  const pending = new PendingCalls<string>(options.timeoutMs);
  const onReply = async (c: Command) => {
    if (c.code !== REQUEST.PUSH_REPLY_MESSAGE_TO_CLIENT) return { code: RESPONSE.REQUEST_CODE_NOT_SUPPORTED, remark: `code ${c.code} is not served here` };
    const id = decodeProperties(c.extFields.properties).get(PROPERTIES.correlationId);
    if (id === undefined || !pending.has(id)) return { code: RESPONSE.SUCCESS }; // a late reply after its timeout, or a stray one
    try {
      const o = outcome(decodeReply(c.body ?? Buffer.alloc(0), options.maxMessageBytes));
      if (o.ok) pending.resolve(id, o.value);
      else pending.reject(id, o.error);
    } catch (error) {
      pending.reject(id, new RemoteError('ValueError', `a malformed reply: ${(error as Error).message}`));
    }
    return { code: RESPONSE.SUCCESS };
  };
  const { host, port } = split(route.broker);
  const broker = await connection(host, port, timeoutMs, options.maxMessageBytes, onReply);
  let closed: Error | null = null;
  broker.onClose((e) => {
    closed ??= new Error(`RocketMQ broker at ${route.broker}: ${e.message}`);
    pending.rejectAll(closed);
  });
  // the broker pushes a reply to the connection that registered REPLY_TO_CLIENT's id as a producer
  const heartbeat = () =>
    broker.call(
      REQUEST.HEART_BEAT,
      {},
      'a heartbeat',
      Buffer.from(JSON.stringify({ clientID: clientId, producerDataSet: [{ groupName: group }], consumerDataSet: [] })),
    );
  await heartbeat().catch((error) => {
    broker.close();
    throw new Error(`cannot use RocketMQ at ${target.masked}: ${(error as Error).message}`);
  });
  const beating = setInterval(() => heartbeat().catch(() => {}), HEARTBEAT_MS).unref();
  let next = 0;
  return {
    call(method, args) {
      if (closed) return Promise.reject(closed);
      const id = randomBytes(16).toString('hex');
      const reply = pending.add(id, method);
      const properties = { [PROPERTIES.correlationId]: id, [PROPERTIES.replyTo]: clientId, [PROPERTIES.ttl]: String(options.timeoutMs) };
      const fields = sendFields(group, target.topic, next++ % route.writeQueues, properties);
      broker
        .invoke(REQUEST.SEND_MESSAGE, fields, method, encode({ method, args }))
        .then((r) => r.code !== RESPONSE.SUCCESS && pending.reject(id, sendError(r, target)))
        .catch((error: Error) => pending.reject(id, error));
      return reply;
    },
    async close() {
      closed ??= new Error('client closed');
      clearInterval(beating);
      await pending.drained(1000);
      pending.rejectAll(closed);
      await broker.invoke(REQUEST.UNREGISTER_CLIENT, { clientID: clientId, producerGroup: group }, 'unregistering', undefined, 2000).catch(() => {});
      broker.close();
    },
  };
}

/**
 * The topic's route; before any server made the topic, the first broker's, with one queue: a client may start before
 * its server, and its calls then fail at once with "no server subscribes" (the broker knows no such topic).
 */
const clientRoute = (topic: string) => async (ns: RemotingConnection) => {
  const route = await routeOf(ns, topic);
  if (route) return route;
  const [master] = await masters(ns);
  if (!master) throw new Error('its NameServer knows no broker');
  return { broker: master, cluster: '', readQueues: 1, writeQueues: 1 };
};

/** A request the broker would not take; a topic that does not exist is one no server reads (servers create theirs). */
function sendError(r: Command, target: RocketmqAddress): Error {
  if (r.code === RESPONSE.TOPIC_NOT_EXIST)
    return new Error(`no server subscribes to ${JSON.stringify(target.topic)} on RocketMQ at ${target.masked} (no such topic)`);
  return new Error(`RocketMQ refused the request on ${JSON.stringify(target.topic)}: code ${r.code}${r.remark ? ` (${r.remark})` : ''}`);
}
