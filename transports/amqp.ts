// amqp: RabbitMQ RPC over AMQP 0-9-1 with amqplib. The server consumes a request queue and replies to each
// message's reply_to with its correlation_id; the client matches replies by correlation_id, many in flight.
// fib speaks the RabbitMQ tutorial's RPC protocol exactly (https://www.rabbitmq.com/tutorials/tutorial-six-python):
// routing key = queue (rpc_queue) on the default exchange, body = decimal n as text, reply = decimal result as text.
// getObj/sendObj: method in the `type` property, JSON body (content_type application/json).
// Errors come back as a reply with header x-error = kind and the message as body, never as silence.
// Each variant is its own transport (a row in the reports) because each changes what a call costs.
import { randomBytes } from 'node:crypto';
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage, type Options } from 'amqplib';
import { RemoteError, type Service, ServiceError } from './contract.ts';
import { maskAddress, parseAddress, withParam } from './support/address.ts';
import { ReplySender } from './support/amqp-replies.ts';
import { BROKERS, brokerFinder, probeReason } from './support/broker.ts';
import { errorPayload } from './support/errors.ts';
import { PendingCalls } from './support/pending.ts';
import { RUN_ID } from './support/run-id.ts';
import type { ClientHandle, ClientOptions, Codec, ServerHandle, ServerOptions, TransportImpl, Wire } from './transport.ts';

/** How a variant behaves; its name, summary and traits (default matrix, server processes) are its registry line. */
export interface AmqpVariant {
  name: string;
  /**
   * RabbitMQ direct reply-to (amq.rabbitmq.reply-to), an exclusive reply queue per client (the tutorial's way), or a
   * durable reply queue per client that outlives the client's connection (so replies survive a broker restart).
   */
  replyTo: 'direct' | 'exclusive' | 'durable';
  /** Server acks on delivery (noAck consumer) or after its reply is sent. */
  serverAck: 'auto' | 'manual';
  /** Durable queues that outlive their consumers and broker restarts (deleted when the run ends), persistent requests and replies. */
  durable: boolean;
  /** Publisher confirms on requests (client) and replies (server, which acks a request only once its reply is confirmed). */
  confirms: boolean;
  /** basic.qos per server consumer; applies with manual acks. */
  prefetch: number;
}

const base = { replyTo: 'direct', serverAck: 'manual', durable: false, confirms: false, prefetch: 100 } as const;
export const VARIANTS: readonly AmqpVariant[] = [
  { ...base, name: 'direct-reply' },
  { ...base, name: 'exclusive-queue', replyTo: 'exclusive' },
  { ...base, name: 'auto-ack', serverAck: 'auto' },
  { ...base, name: 'prefetch-1', prefetch: 1 },
  { ...base, name: 'persistent', replyTo: 'durable', durable: true },
  { ...base, name: 'persistent-confirms', replyTo: 'durable', durable: true, confirms: true },
  // two server processes (its registry line) share the one queue
  { ...base, name: 'workers-2' },
];

/** RabbitMQ: AMQP_URL (default the local guest account), else a rabbitmq:3.13-alpine container. */
export const rabbitmq = brokerFinder(BROKERS.rabbitmq, async (url) => {
  try {
    await (await amqp.connect(url, { timeout: 3000 })).close();
    return null;
  } catch (error) {
    return probeReason(error);
  }
});

export const DIRECT_REPLY_TO = 'amq.rabbitmq.reply-to';
export const TUTORIAL_QUEUE = 'rpc_queue';
/** Queues and exchanges named so are ours: unique per run, auto-deleted, removed at the end. */
export const OWN_PREFIX = 'rpcbench-';

/** The amqp:NAME row: the one file's behaviour with that variant's settings. */
export function amqpVariant(name: string) {
  const variant = VARIANTS.find((v) => v.name === name);
  if (!variant) throw new Error(`no amqp variant ${JSON.stringify(name)}`);
  return {
    codec: amqpCodec,
    benchListen: () => `${rabbitmq.url()}?queue=${OWN_PREFIX}${RUN_ID}-${variant.name}`,
    prepare: () => rabbitmq.prepare(),
    release: () => rabbitmq.release(),
    forget: (listen: string) => forgetOwn(listen),
    serve: (listen: string, service: Service, options: ServerOptions) => serve(listen, service, options, variant),
    connect: (address: string, options: ClientOptions) => connect(address, options, variant),
  } satisfies TransportImpl;
}

export interface AmqpAddress {
  /** What amqplib connects to (our own query parameters removed). */
  url: string;
  masked: string;
  queue: string;
  exchange: string;
}

/** amqp://user:pass@host:port/vhost?queue=NAME&exchange=NAME (queue defaults to the tutorial's rpc_queue). */
export function parseAmqpAddress(address: string, defaultQueue = TUTORIAL_QUEUE): AmqpAddress {
  const url = parseAddress(address, ['amqp:', 'amqps:']);
  const queue = url.searchParams.get('queue') || defaultQueue;
  const exchange = url.searchParams.get('exchange') ?? '';
  url.searchParams.delete('queue');
  url.searchParams.delete('exchange');
  return { url: url.href, masked: maskAddress(withParam(address, 'queue', queue)), queue, exchange };
}

/** The run's own queue (and exchange) at `listen`, deleted with whatever requests are still in it. */
export async function forgetOwn(listen: string, exchangeToo = false): Promise<void> {
  const address = parseAmqpAddress(listen);
  if (!address.queue.startsWith(OWN_PREFIX)) return;
  const conn = await connectBroker(address, 5000).catch(() => null);
  if (!conn) return; // the broker is gone, and with it what we would delete
  try {
    const ch = await conn.createChannel();
    ch.on('error', () => {});
    await ch.deleteQueue(address.queue);
    if (exchangeToo) await ch.deleteExchange(address.queue);
    if (address.exchange.startsWith(OWN_PREFIX)) await ch.deleteExchange(address.exchange);
  } catch {
    // deleted already, by the server's own close
  } finally {
    await conn.close().catch(() => {});
  }
}

export async function connectBroker(address: AmqpAddress, timeoutMs: number): Promise<ChannelModel> {
  try {
    // noDelay: without it a lone basic.ack waits on Nagle + delayed ACK, and every manual-ack call took ~40 ms
    return await amqp.connect(address.url, { timeout: timeoutMs, noDelay: true });
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new Error(`cannot connect to RabbitMQ at ${address.masked}: ${why} (set AMQP_URL to a reachable broker)`);
  }
}

async function openChannel(conn: ChannelModel, confirms: boolean): Promise<Channel | ConfirmChannel> {
  return confirms ? conn.createConfirmChannel() : conn.createChannel();
}

function publishConfirmed(ch: ConfirmChannel, exchange: string, key: string, body: Buffer, props: Options.Publish): Promise<void> {
  return new Promise((resolve, reject) =>
    ch.publish(exchange, key, body, props, (err) => (err ? reject(new Error('the broker refused (nacked) the message')) : resolve())),
  );
}

// ---- server ----

async function serve(listen: string, service: Service, options: ServerOptions, v: AmqpVariant): Promise<ServerHandle> {
  const address = parseAmqpAddress(listen);
  const conn = await connectBroker(address, 10_000);
  let closing = false;
  // The broker going away ends this server: it says why and stops (a process manager restarts it), never silently.
  const failed = new Promise<Error>((resolve) => {
    conn.on('error', () => {}); // 'close' follows with the reason
    conn.on('close', (err?: Error) => !closing && resolve(new Error(`RabbitMQ at ${address.masked} closed the connection${err ? `: ${err.message}` : ''}`)));
  });
  const ch = await conn.createChannel(); // it consumes; replies go on their own connection
  const ours = address.queue.startsWith(OWN_PREFIX);
  await ch.assertQueue(address.queue, requestQueueOptions(v, ours));
  if (address.exchange) {
    await ch.assertExchange(address.exchange, 'direct', { durable: v.durable, autoDelete: address.exchange.startsWith(OWN_PREFIX) });
    await ch.bindQueue(address.queue, address.exchange, address.queue);
  }
  if (v.serverAck === 'manual') await ch.prefetch(v.prefetch);
  // replies on a connection of their own: a request's poison reply address may cost that one, never the consumer's
  const replies = new ReplySender(() => connectBroker(address, 10_000), v.confirms, 'amqp server');
  const onMessage = async (msg: ConsumeMessage) => {
    const { replyTo, correlationId } = msg.properties as { replyTo?: unknown; correlationId?: unknown };
    const reply = await answer(service, msg, options.maxMessageBytes);
    if (closing) return; // the channel is gone; an unacked request goes back to the queue
    try {
      await replies.send(replyTo, correlationId, reply.body, { ...reply.props, persistent: v.durable });
    } catch (error) {
      replies.refuse((error as Error).message);
    } finally {
      // answered or not, a request is done: back on the queue it would only fail again, and fill the prefetch
      if (v.serverAck === 'manual') ch.ack(msg);
    }
  };
  // nothing a request carries may end the server: a failure of its handling is logged, never left unhandled
  const handle = (msg: ConsumeMessage | null) => msg && void onMessage(msg).catch((e: Error) => console.error(`amqp server: a request failed: ${e.message}`));
  const { consumerTag } = await ch.consume(address.queue, handle, { noAck: v.serverAck === 'auto' });
  return {
    address: withParam(listen, 'queue', address.queue),
    failed,
    async close() {
      closing = true;
      // the run that named the queue owns it: it goes, durable or not (a crashed server leaves it for its restart)
      const exchange = address.exchange.startsWith(OWN_PREFIX) ? address.exchange : undefined;
      await stopConsuming(conn, ch, consumerTag, { queue: ours ? address.queue : undefined, exchange });
      await replies.close();
    },
  };
}

/** A server's end: stops consuming, deletes the queue and exchange it owns (none given: none), closes the connection. */
export async function stopConsuming(conn: ChannelModel, ch: Channel, consumerTag: string, owned: { queue?: string; exchange?: string }): Promise<void> {
  try {
    await ch.cancel(consumerTag);
    if (owned.queue) await ch.deleteQueue(owned.queue);
    if (owned.exchange) await ch.deleteExchange(owned.exchange);
  } catch {
    // the broker or connection is already gone (auto-delete removes a transient queue)
  } finally {
    await conn.close().catch(() => {});
  }
}

/** Transient variants: our queue goes with its last consumer. Durable ones: it outlives consumers and broker restarts. */
function requestQueueOptions(v: AmqpVariant, ours: boolean): Options.AssertQueue {
  return { durable: v.durable, autoDelete: ours && !v.durable };
}

interface Reply {
  body: Buffer;
  props: Options.Publish;
}

/** The bodies: fib as the tutorial's decimal text both ways; getObj and sendObj as JSON (arguments, result). */
export const amqpCodec: Codec = {
  encodeRequest: (method, args) => (method === 'fib' ? String(args[0]) : JSON.stringify(args)),
  decodeRequest: (method, wire) => parseRequest(method, bytes(wire)),
  encodeReply: (method, result) => (method === 'fib' ? String(result) : JSON.stringify(result ?? null)),
  decodeReply: (method, wire) => parseReply(method === 'fib' ? undefined : 'application/json', bytes(wire)),
};

function bytes(wire: Wire): Buffer {
  return typeof wire === 'string' ? Buffer.from(wire) : Buffer.from(wire.buffer, wire.byteOffset, wire.byteLength);
}

async function answer(service: Service, msg: ConsumeMessage, maxBytes: number): Promise<Reply> {
  const method = (msg.properties.type as string | undefined) || 'fib';
  try {
    if (msg.content.length > maxBytes) throw new ServiceError('ValueError', `request of ${msg.content.length} bytes exceeds the limit of ${maxBytes} bytes`);
    const result = await service.handle(method, parseRequest(method, msg.content));
    return { body: Buffer.from(amqpCodec.encodeReply(method, result) as string), props: method === 'fib' ? {} : { contentType: 'application/json' } };
  } catch (error) {
    const { kind, message } = errorPayload(error);
    return { body: Buffer.from(message), props: { contentType: 'text/plain', headers: { 'x-error': kind } } };
  }
}

/** The arguments of a request body; throws ServiceError for a body the method cannot take. */
function parseRequest(method: string, body: Buffer): unknown[] {
  if (method === 'fib') {
    const text = body.toString('utf8').trim();
    if (!/^-?\d+$/.test(text)) throw new ServiceError('ValueError', `fib needs the decimal n as its body, got ${JSON.stringify(text.slice(0, 40))}`);
    return [Number(text)];
  }
  let args: unknown;
  try {
    args = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new ServiceError('ValueError', `the body is not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(args)) throw new ServiceError('TypeError', 'the body must be a JSON array of arguments');
  return args;
}

/** JSON when the reply says so, else the tutorial's decimal text. */
function parseReply(contentType: string | undefined, body: Buffer): unknown {
  return contentType === 'application/json' ? JSON.parse(body.toString('utf8')) : Number(body.toString('utf8'));
}

// ---- client ----

function connect(address: string, options: ClientOptions, v: AmqpVariant): Promise<ClientHandle> {
  const target = parseAmqpAddress(address);
  return v.replyTo === 'durable' ? durableClient(target, options, v) : transientClient(target, options, v);
}

/** Replies by direct reply-to or an exclusive queue: a lost connection fails every call in flight, at once, with the reason. */
async function transientClient(target: AmqpAddress, options: ClientOptions, v: AmqpVariant): Promise<ClientHandle> {
  const conn = await connectBroker(target, Math.min(options.timeoutMs, 10_000));
  const ch = await openChannel(conn, v.confirms);
  const pending = new PendingCalls<string>(options.timeoutMs);
  let closed: Error | null = null;
  const fail = (why: string) => {
    closed ??= new Error(why);
    pending.rejectAll(closed);
  };
  conn.on('error', () => {}); // 'close' follows with the reason
  conn.on('close', (err?: Error) => fail(`RabbitMQ at ${target.masked} closed the connection${err ? `: ${err.message}` : ''}`));
  ch.on('error', (err: Error) => fail(`RabbitMQ channel error: ${err.message}`));
  // mandatory + return: a request nobody's queue takes is an error at once, not a timeout
  ch.on('return', (msg: ConsumeMessage) =>
    pending.reject(
      String(msg.properties.correlationId),
      new Error(`no queue ${JSON.stringify(target.queue)} on ${target.masked} took the request (is the server running?)`),
    ),
  );

  // Direct reply-to needs the pseudo-queue consumed, in no-ack mode, before the first publish on this channel:
  // https://www.rabbitmq.com/docs/direct-reply-to
  const replyTo = v.replyTo === 'direct' ? DIRECT_REPLY_TO : (await ch.assertQueue('', { exclusive: true, autoDelete: true })).queue;
  await ch.consume(replyTo, (msg) => msg && settleReply(msg, pending, options.maxMessageBytes), { noAck: true });

  let nextId = 0;
  return {
    call(method, args) {
      if (closed) return Promise.reject(closed);
      const id = String(nextId++);
      const body = Buffer.from(amqpCodec.encodeRequest(method, args) as string);
      const props = requestProps(id, method, replyTo, v);
      const reply = pending.add(id, method);
      if (!v.confirms) {
        ch.publish(target.exchange, target.queue, body, props);
        return reply;
      }
      return Promise.all([reply, publishConfirmed(ch as ConfirmChannel, target.exchange, target.queue, body, props)]).then(([value]) => value);
    },
    async close() {
      closed ??= new Error('client closed');
      pending.rejectAll(closed);
      await conn.close().catch(() => {});
    },
  };
}

/** mandatory: a request that no queue takes comes back at once, instead of timing out. */
function requestProps(id: string, method: string, replyTo: string, v: AmqpVariant): Options.Publish {
  return { correlationId: id, replyTo, mandatory: true, persistent: v.durable, ...(method === 'fib' ? {} : { type: method, contentType: 'application/json' }) };
}

const RECONNECT_MS = [100, 200, 400, 800, 1600, 2000];

/**
 * The durable variants' client: its own durable reply queue, which outlives its connection; requests kept until the
 * broker confirms them. When the connection drops (a broker restart), calls in flight wait (until their timeout)
 * while it reconnects with back-off, consumes its reply queue again and republishes what was never confirmed.
 * A request may then reach the server twice; its second reply is ignored (matched by correlation id).
 */
async function durableClient(target: AmqpAddress, options: ClientOptions, v: AmqpVariant): Promise<ClientHandle> {
  const replyQueue = `${OWN_PREFIX}${RUN_ID}-replies-${randomBytes(4).toString('hex')}`;
  const pending = new PendingCalls<string>(options.timeoutMs);
  const unconfirmed = new Map<string, { body: Buffer; props: Options.Publish }>();
  let session: { conn: ChannelModel; ch: Channel | ConfirmChannel } | null = null;
  let closed = false;

  const publish = (id: string) => {
    const m = unconfirmed.get(id);
    if (!m || !session) return; // published again once the connection is back
    if (!v.confirms) {
      session.ch.publish(target.exchange, target.queue, m.body, m.props);
      unconfirmed.delete(id); // without confirms, nothing more is known of it
      return;
    }
    (session.ch as ConfirmChannel).publish(target.exchange, target.queue, m.body, m.props, (err) => {
      if (!err) unconfirmed.delete(id);
      else if (unconfirmed.delete(id)) pending.reject(id, new Error('the broker refused (nacked) the request'));
    });
  };

  const open = async () => {
    const conn = await connectBroker(target, Math.min(options.timeoutMs, 10_000));
    const ch = await openChannel(conn, v.confirms);
    conn.on('error', () => {});
    ch.on('error', () => {});
    conn.on('close', () => {
      session = null;
      if (!closed) void reconnect();
    });
    ch.on('return', (msg: ConsumeMessage) => {
      const id = String(msg.properties.correlationId);
      unconfirmed.delete(id);
      pending.reject(id, new Error(`no queue ${JSON.stringify(target.queue)} on ${target.masked} took the request (is the server running?)`));
    });
    if (target.queue.startsWith(OWN_PREFIX)) await ch.assertQueue(target.queue, requestQueueOptions(v, true)); // requests wait for a server
    await ch.assertQueue(replyQueue, { durable: true, autoDelete: false });
    await ch.consume(replyQueue, (msg) => {
      if (!msg) return;
      unconfirmed.delete(String(msg.properties.correlationId));
      settleReply(msg, pending, options.maxMessageBytes);
      ch.ack(msg);
    });
    session = { conn, ch };
    for (const id of unconfirmed.keys()) publish(id);
  };

  const reconnect = async () => {
    for (let attempt = 0; !closed && !session; attempt++) {
      await new Promise((r) => setTimeout(r, RECONNECT_MS[Math.min(attempt, RECONNECT_MS.length - 1)]));
      await open().catch(() => {});
    }
  };

  await open();
  let nextId = 0;
  return {
    call(method, args) {
      if (closed) return Promise.reject(new Error('client closed'));
      const id = String(nextId++);
      const reply = pending.add(id, method);
      unconfirmed.set(id, { body: Buffer.from(amqpCodec.encodeRequest(method, args) as string), props: requestProps(id, method, replyQueue, v) });
      publish(id);
      return reply;
    },
    async close() {
      closed = true;
      pending.rejectAll(new Error('client closed'));
      const s = session as { conn: ChannelModel; ch: Channel } | null;
      if (!s) return;
      await s.ch.deleteQueue(replyQueue).catch(() => {});
      await s.conn.close().catch(() => {});
    },
  };
}

function settleReply(msg: ConsumeMessage, pending: PendingCalls<string>, maxBytes: number): void {
  const id = String(msg.properties.correlationId);
  const kind = (msg.properties.headers as Record<string, unknown> | undefined)?.['x-error'];
  if (msg.content.length > maxBytes) pending.reject(id, new Error(`reply of ${msg.content.length} bytes exceeds the limit of ${maxBytes} bytes`));
  else if (kind !== undefined) pending.reject(id, new RemoteError(String(kind), msg.content.toString('utf8')));
  else pending.resolve(id, parseReply(msg.properties.contentType as string | undefined, msg.content));
}
