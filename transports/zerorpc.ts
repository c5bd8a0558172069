// zerorpc: the ZeroRPC protocol (v3) on ZeroMQ + MessagePack, as zerorpc-python speaks it
// (https://github.com/0rpc/zerorpc-python: events.py, channel.py, heartbeat.py, core.py).
//   Client DEALER sends ['', event]; server ROUTER receives [identity..., '', event] and replies the same way.
//   event = msgpack [header, name, args], strings as str, bytes as bin; header = {message_id, v: 3[, response_to]}.
//   A request's message_id is its channel id; every later event of that call carries response_to = that id.
//   Replies: 'OK' [result] or 'ERR' [errorName, message, traceback].
//   '_zpc_hb' [0] heartbeats flow on open channels (a peer gives up after two silent intervals);
//   '_zpc_more' [openSlots] is flow control for streams, which single replies never need.
import { randomUUID } from 'node:crypto';
import * as zmq from 'zeromq';
import { RemoteError, type Service } from './contract.ts';
import { hostPort, parseAddress } from './support/address.ts';
import { errorPayload } from './support/errors.ts';
import { type MessageCodec, messageCodec } from './support/msgpack.ts';
import { PendingCalls } from './support/pending.ts';
import type { ClientHandle, ClientOptions, Codec, ServerHandle, ServerOptions, TransportImpl, Wire } from './transport.ts';

/** An id as received: zerorpc-python sends str, older peers bytes; it is echoed back with its own type. */
export type MessageId = string | Uint8Array;
export interface Header {
  message_id: MessageId;
  v: number;
  response_to?: MessageId;
}
export type Event = [Header, string, unknown[]];

export const HEARTBEAT = '_zpc_hb';
export const MORE = '_zpc_more';
/** zerorpc-python's default heartbeat frequency. */
const DEFAULT_HEARTBEAT_MS = 5000;

export interface ZerorpcConfig {
  heartbeatMs: number;
}

/** Encodes and decodes ZeroRPC events: what the harness times as this transport's codec. */
function zerorpcCodec(mp: MessageCodec): Codec {
  const bytes = (wire: Wire) => (typeof wire === 'string' ? Buffer.from(wire) : wire);
  const header = { message_id: '0000000a-1f2e-4d3c-8b7a-0123456789ab', v: 3 };
  return {
    encodeRequest: (method, args) => mp.encode([header, method, args]),
    decodeRequest: (_method, wire) => decodeEvent(mp, bytes(wire)),
    encodeReply: (_method, result) => mp.encode([{ ...header, response_to: header.message_id }, 'OK', [result]]),
    decodeReply: (_method, wire) => decodeEvent(mp, bytes(wire))[2][0],
  };
}

export function createZerorpc(config: ZerorpcConfig = { heartbeatMs: DEFAULT_HEARTBEAT_MS }) {
  return {
    codec: zerorpcCodec(messageCodec(Number.MAX_SAFE_INTEGER)),
    serve: (listen: string, service: Service, options: ServerOptions) => serve(listen, service, options, config),
    connect: (address: string, options: ClientOptions) => connect(address, options, config),
  } satisfies TransportImpl;
}

export const zerorpc = createZerorpc();

/** Ids shaped like zerorpc-python's: 8 hex digits of a counter, then the tail of a uuid4. */
export function idGenerator(): () => string {
  const base = randomUUID().slice(8);
  let counter = Math.floor(Math.random() * 2 ** 31);
  return () => `${(counter = (counter + 1) >>> 0).toString(16).padStart(8, '0')}${base}`;
}

const idKey = (id: MessageId) => (typeof id === 'string' ? id : `bin:${Buffer.from(id).toString('hex')}`);

/** zerorpc-python sends ids as str (older peers as bytes); anything else is malformed. */
const isMessageId = (id: unknown): id is MessageId => typeof id === 'string' || id instanceof Uint8Array;

/**
 * A well-formed event, or an Error saying why not. Every id the event carries is checked here, so nothing
 * downstream can trip on a number, a map or a null where an id belongs: a malformed event is dropped with a log line.
 */
export function decodeEvent(mp: MessageCodec, payload: Uint8Array): Event {
  const event = mp.decode(payload) as Event;
  if (!Array.isArray(event) || event.length !== 3) throw new Error('an event is [header, name, args]');
  const [header, name, args] = event;
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new Error('the header is not a map');
  if (typeof name !== 'string') throw new Error('the event name is not a string');
  if (!Array.isArray(args)) throw new Error('the args are not an array');
  if (!isMessageId(header.message_id)) throw new Error(`message_id is ${describeId(header.message_id)}, not str or bytes`);
  if (header.response_to !== undefined && !isMessageId(header.response_to))
    throw new Error(`response_to is ${describeId(header.response_to)}, not str or bytes`);
  return event;
}

const describeId = (id: unknown) => (id === null ? 'nil' : id === undefined ? 'missing' : Array.isArray(id) ? 'an array' : typeof id);

/** zeromq.js v6 allows one send in flight per socket; calls queue here instead of failing with EBUSY. */
class SendQueue {
  private readonly queue: Array<Array<Uint8Array | string>> = [];
  private sending = false;

  constructor(private readonly socket: zmq.Router | zmq.Dealer) {}

  send(frames: Array<Uint8Array | string>): void {
    this.queue.push(frames);
    if (!this.sending) void this.drain();
  }

  private async drain(): Promise<void> {
    this.sending = true;
    try {
      while (this.queue.length && !this.socket.closed) await this.socket.send(this.queue.shift()!);
    } catch (error) {
      if (!this.socket.closed) console.error(`zerorpc: send failed: ${(error as Error).message}`);
    } finally {
      this.sending = false;
    }
  }
}

function zmqEndpoint(address: string): string {
  const { host, port } = hostPort(parseAddress(address, ['tcp:']));
  const h = host.includes(':') ? `[${host}]` : host;
  return `tcp://${h}:${port === 0 ? '*' : port}`; // ZeroMQ spells "any free port" as *
}

async function serve(listen: string, service: Service, options: ServerOptions, config: ZerorpcConfig): Promise<ServerHandle> {
  // maxMessageSize: ZeroMQ drops a peer that sends a bigger message before we ever buffer it
  const socket = new zmq.Router({ maxMessageSize: options.maxMessageBytes, linger: 0 });
  await socket.bind(zmqEndpoint(listen));
  const sender = new SendQueue(socket);
  const mp = messageCodec(options.maxMessageBytes);
  const newId = idGenerator();
  const open = new Map<string, { id: MessageId; route: Uint8Array[]; since: number }>();
  const emit = (route: Uint8Array[], to: MessageId, name: string, args: unknown[]) =>
    sender.send([...route, '', mp.encode([{ message_id: newId(), v: 3, response_to: to }, name, args])]);

  // Active heartbeats on calls that outlast an interval, so a zerorpc-python client does not declare us lost.
  const heartbeat = setInterval(() => {
    const due = performance.now() - config.heartbeatMs;
    for (const ch of open.values()) if (ch.since <= due) emit(ch.route, ch.id, HEARTBEAT, [0]);
  }, config.heartbeatMs).unref();

  const onRequest = async (route: Uint8Array[], [header, name, args]: Event) => {
    const id = header.message_id;
    const key = idKey(id);
    open.set(key, { id, route, since: performance.now() });
    try {
      emit(route, id, 'OK', [(await service.handle(name, args)) ?? null]);
    } catch (error) {
      const { kind, message } = errorPayload(error);
      emit(route, id, 'ERR', [kind, message, '']);
    } finally {
      open.delete(key);
    }
  };

  const onMessage = (frames: Buffer[]) => {
    const route = frames.slice(0, -2); // identity frames, before the empty delimiter
    if (frames.length < 2 || frames.at(-2)!.length !== 0) throw new Error('no empty delimiter frame before the event');
    const event = decodeEvent(mp, frames.at(-1)!);
    const [header, name] = event;
    if (name === HEARTBEAT) {
      // passive side of heartbeat.py: answer a peer's heartbeat while its call is open
      const ch = header.response_to !== undefined ? open.get(idKey(header.response_to)) : undefined;
      if (ch) emit(ch.route, ch.id, HEARTBEAT, [0]);
    } else if (name !== MORE) void onRequest(route, event);
  };

  // One bad message never ends the loop: it is dropped with a log line and the server keeps serving.
  let failedWith: (e: Error) => void = () => {};
  const failed = new Promise<Error>((resolve) => {
    failedWith = resolve;
  });
  const loop = (async () => {
    for await (const frames of socket) {
      try {
        onMessage(frames);
      } catch (error) {
        console.error(`zerorpc: dropping malformed message: ${(error as Error).message}`);
      }
    }
  })().catch((error: Error) => !socket.closed && failedWith(new Error(`the ZeroMQ socket failed: ${error.message}`)));

  return {
    address: socket.lastEndpoint!,
    failed,
    close: async () => {
      clearInterval(heartbeat);
      socket.close();
      await loop;
    },
  };
}

async function connect(address: string, options: ClientOptions, config: ZerorpcConfig): Promise<ClientHandle> {
  const socket = new zmq.Dealer({ maxMessageSize: options.maxMessageBytes, linger: 0 });
  const connected = waitForConnect(socket, Math.min(options.timeoutMs, 5000));
  socket.connect(zmqEndpoint(address));
  await connected.catch((error: Error) => {
    socket.close();
    throw new Error(`no ZeroRPC server answers at ${address}: ${error.message}`);
  });
  const pending = new PendingCalls<string>(options.timeoutMs);
  const sender = new SendQueue(socket);
  const mp = messageCodec(options.maxMessageBytes);
  const newId = idGenerator();
  let lost: Error | null = null;

  // ZeroMQ reconnects silently; fail fast instead of letting every call in flight time out.
  socket.events.on('disconnect', () => {
    lost = new Error(`ZeroRPC server at ${address} disconnected`);
    pending.rejectAll(lost);
  });
  socket.events.on('connect', () => (lost = null));

  const heartbeat = setInterval(() => {
    for (const id of pending.idsOlderThan(config.heartbeatMs)) {
      sender.send(['', mp.encode([{ message_id: newId(), v: 3, response_to: id }, HEARTBEAT, [0]])]);
    }
  }, config.heartbeatMs).unref();

  const loop = (async () => {
    for await (const frames of socket) settleReply(frames.at(-1)!, mp, pending);
  })().catch((error: Error) => !socket.closed && pending.rejectAll(new Error(`zerorpc client stopped: ${error.message}`)));

  return {
    call(method, args) {
      if (lost) return Promise.reject(lost);
      const id = newId();
      sender.send(['', mp.encode([{ message_id: id, v: 3 }, method, args])]);
      return pending.add(id, method);
    },
    async close() {
      clearInterval(heartbeat);
      pending.rejectAll(new Error('client closed'));
      socket.close();
      await loop;
    },
  };
}

function settleReply(payload: Uint8Array, mp: MessageCodec, pending: PendingCalls<string>): void {
  let event: Event;
  try {
    event = decodeEvent(mp, payload);
  } catch (error) {
    return void console.error(`zerorpc: dropping malformed reply: ${(error as Error).message}`);
  }
  const [header, name, args] = event;
  const to = header.response_to;
  if (typeof to !== 'string' || name === HEARTBEAT || name === MORE) return; // liveness only; our timeout bounds the call
  if (name === 'OK') pending.resolve(to, args[0]);
  else if (name === 'ERR') pending.reject(to, new RemoteError(String(args[0] ?? 'Error'), String(args[1] ?? '')));
  else pending.reject(to, new Error(`unexpected ZeroRPC event ${JSON.stringify(name)}`));
}

function waitForConnect(socket: zmq.Dealer, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onConnect = () => {
      clearTimeout(timer);
      socket.events.off('connect', onConnect);
      resolve();
    };
    const timer = setTimeout(() => {
      socket.events.off('connect', onConnect);
      reject(new Error(`no connection within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.events.on('connect', onConnect);
  });
}
