// celery: Celery's task message protocol v2 over RabbitMQ (AMQP 0-9-1, amqplib), with the rpc:// result backend: a
// Python Celery worker serves our client, and our worker serves a Python Celery client. As Celery 5 writes them
// (https://docs.celeryq.dev/en/stable/internals/protocol.html; checked against python3-celery 5.2):
//   task    published to the queue (default exchange, routing key = queue), JSON body [args, kwargs, embed];
//           headers {lang, task, id, root_id, parent_id, group, retries, eta, expires, timelimit, argsrepr, ...};
//           properties correlation_id = the task id, reply_to = the client's reply queue, delivery_mode 2
//   result  published to reply_to with the task id as correlation_id, JSON body
//           {task_id, status: SUCCESS | FAILURE, result, traceback, children}; a failure's result is
//           {exc_type, exc_message: [...], exc_module}: ValueError from builtins, NotRegistered (an unknown task,
//           which our client reads as NameError) from celery.exceptions
// The protocol is written here on amqplib rather than with celery-node 0.5.9: its client sends reply_to "" and reads
// results from a queue per task id (the amqp:// backend that Celery 5 removed), so a Python worker with rpc:// never
// answered it (no result within 8 s, tried), and its failure results drop the exception's type.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { connectBroker, forgetOwn, OWN_PREFIX, parseAmqpAddress, rabbitmq, stopConsuming } from './amqp.ts';
import { RemoteError, type Service } from './contract.ts';
import { withParam } from './support/address.ts';
import { ReplySender } from './support/amqp-replies.ts';
import { errorPayload } from './support/errors.ts';
import { PendingCalls } from './support/pending.ts';
import { RUN_ID } from './support/run-id.ts';
import type { ClientHandle, ClientOptions, Codec, ServerHandle, ServerOptions, TransportImpl, Wire } from './transport.ts';

/** Celery's own default queue: what `celery worker` consumes unless told otherwise. */
export const CELERY_QUEUE = 'celery';
const EMBED = { callbacks: null, errbacks: null, chain: null, chord: null };
/** Celery cuts argsrepr to this many characters (task_protocol 2's argsrepr_maxsize). */
const ARGSREPR_MAX = 1024;
/** What a failure's exc_type is, read as the contract's error kinds. */
const KINDS: Record<string, string> = { NotRegistered: 'NameError' };

interface TaskResult {
  task_id: string;
  status: string;
  result: unknown;
  traceback: string | null;
  children: unknown[];
}

const text = (wire: Wire) => (typeof wire === 'string' ? wire : Buffer.from(wire.buffer, wire.byteOffset, wire.byteLength).toString('utf8'));

const encodeTask = (args: unknown[]) => JSON.stringify([args, {}, EMBED]);
const encodeResult = (taskId: string, status: 'SUCCESS' | 'FAILURE', result: unknown): string =>
  JSON.stringify({ task_id: taskId, status, result, traceback: null, children: [] } satisfies TaskResult);

const celeryCodec: Codec = {
  encodeRequest: (_method, args) => encodeTask(args),
  decodeRequest: (_method, wire) => parseTask(text(wire)),
  encodeReply: (_method, result) => encodeResult('0b8a1e6c-2f6d-4a39-9d3c-6a1f0f2b7c11', 'SUCCESS', result),
  decodeReply: (_method, wire) => (JSON.parse(text(wire)) as TaskResult).result,
};

export const celery = {
  codec: celeryCodec,
  benchListen: () => `${rabbitmq.url()}?queue=${OWN_PREFIX}${RUN_ID}-celery`,
  prepare: () => rabbitmq.prepare(),
  release: () => rabbitmq.release(),
  forget: (listen: string) => forgetOwn(listen, true),
  serve,
  connect,
} satisfies TransportImpl;

/** A task body's positional arguments; throws for anything that is not protocol v2's [args, kwargs, embed]. */
export function parseTask(body: string): unknown[] {
  const value: unknown = JSON.parse(body);
  if (!Array.isArray(value) || value.length !== 3 || !Array.isArray(value[0]) || typeof value[1] !== 'object' || value[1] === null)
    throw new Error('a task body (protocol 2) is [args, kwargs, embed]');
  if (Object.keys(value[1]).length) throw new Error('the contract takes no keyword arguments');
  return value[0];
}

// ---- worker ----

/** Declares the queue as a Celery worker does: durable, with a direct exchange of its name bound to it. */
async function declareQueue(ch: Channel, queue: string): Promise<void> {
  await ch.assertExchange(queue, 'direct', { durable: true });
  await ch.assertQueue(queue, { durable: true });
  await ch.bindQueue(queue, queue, queue);
}

async function serve(listen: string, service: Service, options: ServerOptions): Promise<ServerHandle> {
  const address = parseAmqpAddress(listen, CELERY_QUEUE);
  const conn = await connectBroker(address, 10_000);
  let closing = false;
  const failed = new Promise<Error>((resolve) => {
    conn.on('error', () => {});
    conn.on('close', (err?: Error) => !closing && resolve(new Error(`RabbitMQ at ${address.masked} closed the connection${err ? `: ${err.message}` : ''}`)));
  });
  const ch = await conn.createChannel();
  await declareQueue(ch, address.queue);
  await ch.prefetch(100);
  // results on a connection of their own: a task's poison reply address may cost that one, never the consumer's
  const replies = new ReplySender(() => connectBroker(address, 10_000), false, 'celery worker');
  const handle = (msg: ConsumeMessage | null) =>
    msg && void work(ch, msg, service, options, replies, () => closing).catch((e: Error) => console.error(`celery worker: a task failed: ${e.message}`));
  const { consumerTag } = await ch.consume(address.queue, handle);
  return {
    address: withParam(listen, 'queue', address.queue),
    failed,
    async close() {
      closing = true;
      // the run that named the queue owns it (and its exchange, of the same name)
      const own = address.queue.startsWith(OWN_PREFIX) ? address.queue : undefined;
      await stopConsuming(conn, ch, consumerTag, { queue: own, exchange: own });
      await replies.close();
    },
  };
}

/**
 * Runs one task and sends its result where the client waits for it. A message that is not a task of protocol 2
 * is rejected (never requeued) with a log line, as Celery's worker rejects an invalid task; the worker goes on. A
 * result that cannot be sent (a bad reply address, a task id too long for a correlation id) is logged, and its task
 * acked: never requeued to fail again (issue 32: one such task killed every worker that took it).
 */
async function work(ch: Channel, msg: ConsumeMessage, service: Service, options: ServerOptions, replies: ReplySender, closing: () => boolean): Promise<void> {
  const headers = (msg.properties.headers ?? {}) as Record<string, unknown>;
  const taskId = headers.id;
  const task = headers.task;
  let args: unknown[];
  try {
    if (msg.content.length > options.maxMessageBytes)
      throw new Error(`a task of ${msg.content.length} bytes exceeds the limit of ${options.maxMessageBytes} bytes`);
    if (typeof taskId !== 'string' || typeof task !== 'string') throw new Error('a task (protocol 2) has the headers "task" and "id"');
    args = parseTask(msg.content.toString('utf8'));
  } catch (error) {
    console.error(`celery worker: rejecting an invalid task: ${(error as Error).message}`);
    return ch.reject(msg, false);
  }
  const body = await resultOf(service, task, taskId, args);
  if (closing()) return; // its channel is gone: the task goes back to the queue
  const replyTo = msg.properties.replyTo as unknown;
  try {
    // Celery's rpc:// backend: no reply_to, no result (the task ran, as a fire-and-forget task does)
    if (replyTo !== undefined) {
      const correlationId = (msg.properties.correlationId as unknown) ?? taskId;
      await replies.send(replyTo, correlationId, Buffer.from(body), { contentType: 'application/json', contentEncoding: 'utf-8', deliveryMode: 1 });
    }
  } catch (error) {
    replies.refuse((error as Error).message);
  } finally {
    ch.ack(msg);
  }
}

/** The task's result message: SUCCESS with its value, or FAILURE with the exception as Celery serializes one. */
async function resultOf(service: Service, task: string, taskId: string, args: unknown[]): Promise<string> {
  try {
    return encodeResult(taskId, 'SUCCESS', (await service.handle(task, args)) ?? null);
  } catch (error) {
    const { kind, message } = errorPayload(error);
    const exc =
      kind === 'NameError'
        ? { exc_type: 'NotRegistered', exc_message: [task], exc_module: 'celery.exceptions' }
        : { exc_type: kind, exc_message: [message], exc_module: 'builtins' };
    return encodeResult(taskId, 'FAILURE', exc);
  }
}

// ---- client ----

async function connect(address: string, options: ClientOptions): Promise<ClientHandle> {
  const target = parseAmqpAddress(address, CELERY_QUEUE);
  const conn = await connectBroker(target, Math.min(options.timeoutMs, 10_000));
  const ch = await conn.createChannel();
  const pending = new PendingCalls<string>(options.timeoutMs);
  const fail = watch(conn, ch, pending, target.masked, target.queue);
  // the rpc:// backend's reply queue: one per client, gone with it
  const { queue: replyTo } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
  await ch.consume(replyTo, (msg) => msg && settle(msg, pending, options.maxMessageBytes), { noAck: true });
  const origin = `rpcbench@${hostname()}`;
  return {
    call(method, args) {
      if (fail.closed) return Promise.reject(fail.closed);
      const id = randomUUID();
      const reply = pending.add(id, method);
      const argsrepr = JSON.stringify(args).slice(0, ARGSREPR_MAX);
      const headers = { lang: 'js', task: method, id, shadow: null, eta: null, expires: null, group: null, group_index: null, retries: 0 };
      const more = { timelimit: [null, null], root_id: id, parent_id: null, argsrepr, kwargsrepr: '{}', origin, ignore_result: false };
      ch.publish('', target.queue, Buffer.from(encodeTask(args)), {
        headers: { ...headers, ...more },
        correlationId: id,
        replyTo,
        contentType: 'application/json',
        contentEncoding: 'utf-8',
        deliveryMode: 2,
        priority: 0,
        mandatory: true,
      });
      return reply;
    },
    async close() {
      fail.closed ??= new Error('client closed');
      pending.rejectAll(fail.closed);
      await conn.close().catch(() => {});
    },
  };
}

/** A lost connection or channel fails every call in flight at once; a task no queue took fails at once too. */
function watch(conn: ChannelModel, ch: Channel, pending: PendingCalls<string>, masked: string, queue: string): { closed: Error | null } {
  const state: { closed: Error | null } = { closed: null };
  const fail = (why: string) => {
    state.closed ??= new Error(why);
    pending.rejectAll(state.closed);
  };
  conn.on('error', () => {});
  conn.on('close', (err?: Error) => fail(`RabbitMQ at ${masked} closed the connection${err ? `: ${err.message}` : ''}`));
  ch.on('error', (err: Error) => fail(`RabbitMQ channel error: ${err.message}`));
  ch.on('return', (msg: ConsumeMessage) =>
    pending.reject(String(msg.properties.correlationId), new Error(`no queue ${JSON.stringify(queue)} on ${masked} took the task (is a worker running?)`)),
  );
  return state;
}

/** A result: SUCCESS resolves its call, FAILURE rejects it with the exception's type; other states are not final. */
function settle(msg: ConsumeMessage, pending: PendingCalls<string>, maxBytes: number): void {
  const id = String(msg.properties.correlationId);
  if (msg.content.length > maxBytes)
    return void pending.reject(id, new Error(`a result of ${msg.content.length} bytes exceeds the limit of ${maxBytes} bytes`));
  let result: TaskResult;
  try {
    result = JSON.parse(msg.content.toString('utf8')) as TaskResult;
  } catch (error) {
    return void pending.reject(id, new Error(`a result that is not JSON: ${(error as Error).message}`));
  }
  if (result.status === 'SUCCESS') pending.resolve(id, result.result);
  else if (result.status === 'FAILURE') pending.reject(id, failure(result.result));
}

function failure(result: unknown): RemoteError {
  const exc = (result ?? {}) as { exc_type?: string; exc_message?: unknown };
  const type = String(exc.exc_type ?? 'Error');
  const message = Array.isArray(exc.exc_message) ? exc.exc_message.map(String).join(', ') : String(exc.exc_message ?? '');
  return new RemoteError(KINDS[type] ?? type, message);
}
