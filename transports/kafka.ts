// kafka: RPC over Apache Kafka with @platformatic/kafka (pure TypeScript and maintained; its 1.x line is the one that
// runs on Node 20). The request/reply shape is Spring for Apache Kafka's, so that a ReplyingKafkaTemplate calls our
// server and our client calls a @KafkaListener + @SendTo server:
//   request: on the request topic, with the headers kafka_replyTopic (where to answer), kafka_correlationId (bytes the
//            reply carries back) and, optionally, kafka_replyPartition (a 4-byte big-endian int);
//   reply:   on that topic (and partition), with kafka_correlationId.
// Values are the broker envelope (support/envelope.ts), JSON. The server reads the request topic in a consumer group
// (servers share its partitions) and creates it when it is missing; each client makes its own reply topic and group
// at connect and deletes both at close. A record without those headers, or with bad ones, is dropped with a log line.
import { randomBytes } from 'node:crypto';
import { Admin, ConfigResourceTypes, Consumer, type Message, Producer } from '@platformatic/kafka';
import { RemoteError, type Service } from './contract.ts';
import { hostPort, maskAddress, parseAddress, withParam } from './support/address.ts';
import { BROKERS, brokerFinder, probeReason } from './support/broker.ts';
import { answer, decodeReply, decodeRequest, encode, encodeReply, envelopeCodec, outcome } from './support/envelope.ts';
import { PendingCalls } from './support/pending.ts';
import { RUN_ID } from './support/run-id.ts';
import type { ClientHandle, ClientOptions, ServerHandle, ServerOptions, TransportImpl } from './transport.ts';

export const DEFAULT_TOPIC = 'rpcbench.rpc';
/** Topics and groups named so are a run's own: removed at its end (forget), also after a server's kill -9. */
export const OWN_PREFIX = 'rpcbench-';
export const HEADERS = { replyTopic: 'kafka_replyTopic', correlationId: 'kafka_correlationId', replyPartition: 'kafka_replyPartition' } as const;
/** Requests a server works on at once: more wait in Kafka, not in our memory (as amqp's prefetch of 100). */
const MAX_IN_FLIGHT = 100;
/** Spring's correlation ids are 16 bytes; a longer one is refused, so that a record cannot make us echo megabytes. */
const MAX_CORRELATION_BYTES = 256;
/** Kafka's own rule for a topic name. */
const TOPIC_NAME = /^[\w.-]{1,249}$/;

export interface KafkaAddress {
  brokers: string[];
  masked: string;
  topic: string;
}

/** kafka://host:port?topic=NAME (port 9092 unless given; topic defaults to rpcbench.rpc). */
export function parseKafkaAddress(address: string): KafkaAddress {
  const url = parseAddress(address, ['kafka:']);
  const { host, port } = hostPort(url, 9092);
  const topic = url.searchParams.get('topic') || DEFAULT_TOPIC;
  if (!TOPIC_NAME.test(topic)) throw new Error(`not a Kafka topic name: ${JSON.stringify(topic)} (letters, digits, . _ -, at most 249)`);
  return { brokers: [`${host.includes(':') ? `[${host}]` : host}:${port}`], masked: maskAddress(withParam(url.href, 'topic', topic)), topic };
}

const base = (address: KafkaAddress, timeoutMs: number) => ({
  clientId: 'rpcbench',
  bootstrapBrokers: address.brokers,
  timeout: timeoutMs,
  retries: 2,
  retryDelay: 200,
  autocreateTopics: false,
});

async function withAdmin<T>(address: KafkaAddress, timeoutMs: number, use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Admin(base(address, timeoutMs));
  try {
    return await use(admin);
  } finally {
    await admin.close().catch(() => {});
  }
}

export const kafkaBroker = brokerFinder(BROKERS.kafka, async (url) => {
  try {
    const address = parseKafkaAddress(url);
    await withAdmin(address, 3000, (admin) => admin.metadata({ topics: [] }));
    return null;
  } catch (error) {
    return probeReason(rootCause(error));
  }
});

/**
 * How the producers (the client's requests, the server's replies) are acknowledged: `acks=1` (the leader has the
 * record), or `acks=all` with the idempotent producer (every in-sync replica; the broker drops a retried duplicate).
 * Neither batches: the library sends each record at once (it has no linger setting), which is what RPC wants.
 */
export interface KafkaSettings {
  acks: 1 | -1;
  idempotent: boolean;
}

export const kafkaRow = (settings: KafkaSettings, suffix = ''): TransportImpl => ({
  codec: envelopeCodec,
  benchListen: () => `${kafkaBroker.url()}?topic=${OWN_PREFIX}${RUN_ID}-kafka${suffix}`,
  prepare: () => kafkaBroker.prepare(),
  release: () => kafkaBroker.release(),
  forget,
  serve: (listen, service, options) => serve(listen, service, options, settings),
  connect: (address, options) => connect(address, options, settings),
  describeBroker: (address) => describeBroker(address, settings),
});

/**
 * "Apache Kafka, 1 broker; topic T: 1 partition(s), replication 1, min.insync.replicas 1, flush.messages ...; producers
 * acks=1, ...". The Kafka protocol does not say the broker's version.
 */
async function describeBroker(address: string, settings: KafkaSettings): Promise<string> {
  const target = parseKafkaAddress(address);
  return withAdmin(target, 5000, async (admin) => {
    const meta = await admin.metadata({ topics: [target.topic] });
    const topic = meta.topics.get(target.topic);
    const keys = ['min.insync.replicas', 'flush.messages', 'flush.ms'];
    const [config] = await admin.describeConfigs({
      resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: target.topic, configurationKeys: keys }],
    });
    // Long.MAX_VALUE: never by count or time, the OS writes the pages out
    const shown = (v: string | null | undefined) => (v === '9223372036854775807' ? 'off' : (v ?? '?'));
    const values = keys.map((k) => `${k} ${shown(config?.configs.find((c) => c.name === k)?.value)}`);
    const replication = topic?.partitions[0]?.replicas.length ?? '?';
    const acks = settings.acks === 1 ? 'acks=1' : 'acks=all';
    return [
      `Apache Kafka (its protocol does not say its version), ${meta.brokers.size} broker(s)`,
      `topic ${target.topic}: ${topic?.partitionsCount ?? '?'} partition(s), replication ${replication}, ${values.join(', ')}`,
      `producers ${acks}${settings.idempotent ? ', idempotent, one send at a time' : ''}, no linger; consumers minBytes 1, maxWaitTime 10 ms`,
    ].join('; ');
  });
}

export const kafka = kafkaRow({ acks: 1, idempotent: false });

type Record1 = Parameters<Producer['send']>[0]['messages'][number];

/**
 * Sends one record. With the idempotent producer, one send at a time, each carrying every record that waited for
 * it: @platformatic/kafka 1.35 numbers a partition's records when a send's answer comes back, so that two sends at
 * once carried the same sequence number and the broker dropped the second as a duplicate (measured: of 4 calls at
 * once, 3 lost; with two topics, "out of order sequence number" and every later send refused).
 */
function sender(producer: Producer, settings: KafkaSettings): (record: Record1) => Promise<void> {
  if (!settings.idempotent) return async (record) => void (await producer.send({ messages: [record] }));
  let waiting: { record: Record1; done: (error?: Error) => void }[] = [];
  let sending = false;
  const flush = () => {
    if (sending || !waiting.length) return;
    const batch = waiting;
    waiting = [];
    sending = true;
    producer.send({ messages: batch.map((w) => w.record) }).then(
      () => finish(batch),
      (error: Error) => finish(batch, error),
    );
  };
  const finish = (batch: typeof waiting, error?: Error) => {
    sending = false;
    for (const w of batch) w.done(error);
    flush();
  };
  return (record) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ record, done: (error) => (error ? reject(error) : resolve()) });
      flush();
    });
}

const serverGroup = (topic: string) => `${topic}.servers`;

/** Creates the topic unless it is there (another server, or a peer, made it). */
async function ensureTopic(admin: Admin, topic: string): Promise<void> {
  try {
    await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
  } catch (error) {
    if (!/already exists/i.test(describe(error))) throw error;
  }
}

/** The run's request topic and its servers' group, with whatever requests are still in it. */
async function forget(listen: string): Promise<void> {
  const address = parseKafkaAddress(listen);
  if (!address.topic.startsWith(OWN_PREFIX)) return;
  const group = serverGroup(address.topic);
  await withAdmin(address, 10_000, async (admin) => {
    // asked again until the broker no longer lists them: a deletion it answered can still leave them (a CI run under
    // load found both listed 15 s after a run whose forget said nothing), and a group keeps a member killed with -9
    // until its session times out, which a group with members cannot be deleted before
    const until = Date.now() + 20_000;
    let left = await leftOf(admin, address.topic, group);
    while (left.length && Date.now() < until) {
      if (left.includes(address.topic)) await admin.deleteTopics({ topics: [address.topic] }).catch(() => {});
      if (left.includes(group)) {
        await admin.removeMembersFromConsumerGroup({ groupId: group }).catch(() => {});
        await admin.deleteGroups({ groups: [group] }).catch(() => {});
      }
      left = await leftOf(admin, address.topic, group);
      if (left.length) await new Promise((r) => setTimeout(r, 500));
    }
    if (left.length) console.error(`kafka: could not delete ${left.join(' and ')} within 20 s`);
  }).catch((error) => console.error(`kafka: could not clean up ${address.topic}: ${describe(error)}`));
}

/** Which of the topic and the group the broker still lists. */
async function leftOf(admin: Admin, topic: string, group: string): Promise<string[]> {
  const [topics, groups] = await Promise.all([admin.listTopics(), admin.listGroups()]);
  return [...(topics.includes(topic) ? [topic] : []), ...(groups.has(group) ? [group] : [])];
}

/** What went wrong underneath: the library wraps a refused connection as MultipleErrors > NetworkError > ECONNREFUSED. */
function rootCause(error: unknown): unknown {
  let e = error as Error & { errors?: Error[] };
  for (let depth = 0; depth < 10; depth++) {
    const next = (e.errors?.[0] ?? e.cause) as typeof e | undefined;
    if (!next) break;
    e = next;
  }
  return e;
}

/** A library error's message, with the first of the errors it wraps (it reports "Multiple errors" with the causes). */
function describe(error: unknown): string {
  const e = error as Error & { errors?: Error[] };
  return e.errors?.length ? `${e.message}: ${e.errors.map((x) => x.message).join('; ')}` : e.message;
}

const header = (msg: Message, name: string): Buffer | undefined => {
  for (const [key, value] of msg.headers) if (key.toString() === name) return value;
  return undefined;
};

interface Route {
  topic: string;
  partition?: number;
  correlationId: Buffer;
}

/** Where a request's reply goes, or why the request is refused. */
function routeOf(msg: Message): Route | string {
  const topic = header(msg, HEADERS.replyTopic)?.toString();
  const correlationId = header(msg, HEADERS.correlationId);
  const partition = header(msg, HEADERS.replyPartition);
  if (topic === undefined || !TOPIC_NAME.test(topic)) return `no valid ${HEADERS.replyTopic} header`;
  if (!correlationId || correlationId.length === 0 || correlationId.length > MAX_CORRELATION_BYTES)
    return `no ${HEADERS.correlationId} header of 1-${MAX_CORRELATION_BYTES} bytes`;
  if (partition !== undefined && partition.length !== 4) return `a ${HEADERS.replyPartition} header of ${partition.length} bytes, not 4`;
  return { topic, correlationId, ...(partition ? { partition: partition.readInt32BE(0) } : {}) };
}

async function serve(listen: string, service: Service, options: ServerOptions, settings: KafkaSettings): Promise<ServerHandle> {
  const address = parseKafkaAddress(listen);
  await withAdmin(address, 10_000, (admin) => ensureTopic(admin, address.topic)).catch((error) => {
    throw new Error(`cannot use Kafka at ${address.masked}: ${describe(error)} (set KAFKA_URL to a reachable broker)`);
  });
  const producer = new Producer({ ...base(address, 10_000), ...settings });
  const send = sender(producer, settings);
  const consumer = new Consumer({ ...base(address, 10_000), groupId: serverGroup(address.topic), maxWaitTime: 10, minBytes: 1 });
  const stream = await consumer.consume({ topics: [address.topic], mode: 'committed', fallbackMode: 'earliest', autocommit: 100 });
  let closing = false;
  let inFlight = 0;
  const failed = new Promise<Error>((resolve) => {
    stream.on('error', (error) => {
      if (!closing) resolve(new Error(`Kafka at ${address.masked}: ${describe(error)}`));
    });
  });
  const onRequest = async (msg: Message) => {
    const route = routeOf(msg);
    if (typeof route === 'string') return void console.error(`kafka: dropping a request at offset ${msg.offset}: ${route}`);
    let request: ReturnType<typeof decodeRequest>;
    try {
      request = decodeRequest(msg.value ?? Buffer.alloc(0), options.maxMessageBytes);
    } catch (error) {
      return void console.error(`kafka: dropping a malformed request at offset ${msg.offset}: ${(error as Error).message}`);
    }
    const value = encodeReply(await answer(service, request), options.maxMessageBytes);
    const headers = new Map([[Buffer.from(HEADERS.correlationId), route.correlationId]]);
    await send({ topic: route.topic, value, headers, ...(route.partition === undefined ? {} : { partition: route.partition }) }).catch((error) =>
      console.error(`kafka: could not reply on ${JSON.stringify(route.topic)}: ${describe(error)}`),
    );
  };
  stream.on('data', (msg: Message) => {
    if (++inFlight >= MAX_IN_FLIGHT) stream.pause();
    void onRequest(msg).finally(() => {
      if (--inFlight < MAX_IN_FLIGHT && stream.isPaused()) stream.resume();
    });
  });
  return {
    address: withParam(listen, 'topic', address.topic),
    failed,
    async close() {
      closing = true;
      await stream.close().catch(() => {});
      await consumer.close().catch(() => {});
      await producer.close().catch(() => {});
    },
  };
}

async function connect(address: string, options: ClientOptions, settings: KafkaSettings): Promise<ClientHandle> {
  const target = parseKafkaAddress(address);
  const timeoutMs = Math.min(options.timeoutMs, 10_000);
  const replyTopic = `${target.topic}.reply.${randomBytes(6).toString('hex')}`.slice(-249);
  await withAdmin(target, timeoutMs, (admin) => ensureTopic(admin, replyTopic)).catch((error) => {
    throw new Error(`cannot use Kafka at ${target.masked}: ${describe(error)} (set KAFKA_URL to a reachable broker)`);
  });
  const pending = new PendingCalls<string>(options.timeoutMs);
  const producer = new Producer({ ...base(target, timeoutMs), ...settings });
  const send = sender(producer, settings);
  const consumer = new Consumer({ ...base(target, timeoutMs), groupId: replyTopic, maxWaitTime: 10, minBytes: 1 });
  let closed: Error | null = null;
  const removeReplyTopic = () =>
    withAdmin(target, 5000, async (admin) => {
      await admin.deleteGroups({ groups: [replyTopic] }).catch(() => {});
      await admin.deleteTopics({ topics: [replyTopic] }).catch(() => {});
    }).catch(() => {});
  // a new topic, read from its start: a reply that comes before the group has its partition is not missed
  const stream = await consumer.consume({ topics: [replyTopic], mode: 'earliest', autocommit: false }).catch(async (error) => {
    await removeReplyTopic();
    throw new Error(`cannot read replies from Kafka at ${target.masked}: ${describe(error)}`);
  });
  stream.on('error', (error) => {
    closed ??= new Error(`Kafka at ${target.masked}: ${describe(error)}`);
    pending.rejectAll(closed);
  });
  stream.on('data', (msg: Message) => {
    const id = header(msg, HEADERS.correlationId)?.toString('hex');
    if (id === undefined || !pending.has(id)) return; // a late reply after its timeout, or a stray one
    try {
      const o = outcome(decodeReply(msg.value ?? Buffer.alloc(0), options.maxMessageBytes));
      if (o.ok) pending.resolve(id, o.value);
      else pending.reject(id, o.error);
    } catch (error) {
      pending.reject(id, new RemoteError('ValueError', `a malformed reply: ${(error as Error).message}`));
    }
  });
  const headersFor = (id: Buffer) =>
    new Map([
      [Buffer.from(HEADERS.replyTopic), Buffer.from(replyTopic)],
      [Buffer.from(HEADERS.correlationId), id],
    ]);
  return {
    call(method, args) {
      if (closed) return Promise.reject(closed);
      const id = randomBytes(16);
      const reply = pending.add(id.toString('hex'), method);
      send({ topic: target.topic, value: encode({ method, args }), headers: headersFor(id) }).catch((error) =>
        pending.reject(id.toString('hex'), sendError(error, target)),
      );
      return reply;
    },
    async close() {
      closed ??= new Error('client closed');
      await pending.drained(1000);
      pending.rejectAll(closed);
      await stream.close().catch(() => {});
      await consumer.close().catch(() => {});
      await producer.close().catch(() => {});
      await removeReplyTopic();
    },
  };
}

/** A request Kafka would not take; a topic that does not exist is one no server reads (servers create theirs). */
function sendError(error: unknown, target: KafkaAddress): Error {
  const why = describe(error);
  if (/unknown topic/i.test(why)) return new Error(`no server subscribes to ${JSON.stringify(target.topic)} on Kafka at ${target.masked} (no such topic)`);
  return new Error(`Kafka refused the request on ${JSON.stringify(target.topic)}: ${why}`);
}
