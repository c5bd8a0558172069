// thrift: Apache Thrift (the `thrift` package 0.24) with the IDL in transports/idl/rpcbench.thrift and its generated
// code committed, TFramedTransport, and two protocols as two rows: thrift:binary and thrift:compact.
// Errors are the IDL's RpcError {kind, message}; an unknown method is Thrift's TApplicationException
// UNKNOWN_METHOD, read back as NameError. Calls are multiplexed on one connection by seqid.
// The server is the package's own (createServer with a frame-size limit); the client is ours over a socket, so
// that every call has a deadline, replies have a size limit and a lost connection fails the calls in flight at
// once (the package's connection reconnects and retries on its own terms).
import { createRequire } from 'node:module';
import net from 'node:net';
import { RemoteError, type Service } from './contract.ts';
import { hostPort, parseAddress } from './support/address.ts';
import { errorPayload } from './support/errors.ts';
import { FrameDecoder, FrameQueue } from './support/framing.ts';
import { PendingCalls } from './support/pending.ts';
import { closerFor, listen } from './support/sockets.ts';
import type { ClientHandle, ClientOptions, Codec, ServerHandle, ServerOptions, TransportImpl, Wire } from './transport.ts';

const require = createRequire(import.meta.url);
const thrift = require('thrift') as ThriftModule;
const generated = require('./generated/thrift/Rpcbench.js') as Generated;
const types = require('./generated/thrift/rpcbench_types.js') as { RpcError: new (a?: { kind: string; message: string }) => RpcError };

interface RpcError extends Error {
  kind: string;
  message: string;
}

// The parts of the untyped thrift package used here.
interface ProtocolLike {
  writeMessageBegin(name: string, type: number, seqid: number): void;
  writeMessageEnd(): void;
  writeStructBegin(name: string): void;
  writeStructEnd(): void;
  writeFieldStop(): void;
  readMessageBegin(): { fname: string; mtype: number; rseqid: number };
  readMessageEnd(): void;
}
type ProtocolClass = new (transport: unknown) => ProtocolLike;
interface TransportClass {
  new (buffer?: Buffer, onFlush?: (buf: Buffer) => void): { flush(): void };
}
interface ThriftModule {
  TFramedTransport: TransportClass;
  TBinaryProtocol: ProtocolClass;
  TCompactProtocol: ProtocolClass;
  Thrift: {
    MessageType: { CALL: number; REPLY: number; EXCEPTION: number };
    TApplicationException: new () => { type: number; message: string; read(p: ProtocolLike): void };
  };
  createServer(processor: unknown, handler: unknown, options: object): net.Server;
}
interface Struct {
  read(p: ProtocolLike): void;
  write(p: ProtocolLike): void;
}
type Generated = Record<string, new (args?: object) => Struct & { success?: unknown; error?: RpcError | null }> & {
  Client: new (
    output: unknown,
    protocol: ProtocolClass,
  ) => Record<string, unknown> & { _seqid: number; _reqs: Record<number, (e: unknown, r: unknown) => void> };
  Processor: new (handler: unknown) => unknown;
};

const METHODS = ['getObj', 'sendObj', 'fib'] as const;
/** TApplicationException.type for a method the server does not have. */
const UNKNOWN_METHOD = 1;

/** Thrift i64 values read back as node-int64 objects; the contract's values are plain numbers. */
function toNumber(v: unknown): unknown {
  return v !== null && typeof v === 'object' && typeof (v as { toNumber?: unknown }).toNumber === 'function' ? (v as { toNumber(): number }).toNumber() : v;
}

function toNumbers(obj: unknown): unknown {
  if (obj === null || typeof obj !== 'object') return obj;
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, toNumber(v)]));
}

/** The arguments struct of a contract call, as the IDL names them. */
function argsStruct(method: string, args: unknown[]): Struct {
  if (method === 'sendObj') return new generated.Rpcbench_sendObj_args!({ obj: args[0] });
  if (method === 'fib') return new generated.Rpcbench_fib_args!({ n: args[0] });
  return new generated.Rpcbench_getObj_args!();
}

/** One message written by `protocol` into a frame (4-byte length + body). */
function frame(protocol: ProtocolClass, write: (p: ProtocolLike) => void): Buffer {
  let out: Buffer = Buffer.alloc(0);
  const transport = new thrift.TFramedTransport(undefined, (buf) => {
    out = buf;
  });
  const p = new protocol(transport);
  write(p);
  transport.flush();
  return out;
}

function writeCall(protocol: ProtocolClass, method: string, args: unknown[], seqid: number): Buffer {
  return frame(protocol, (p) => {
    p.writeMessageBegin(method, thrift.Thrift.MessageType.CALL, seqid);
    if ((METHODS as readonly string[]).includes(method)) argsStruct(method, args).write(p);
    else {
      // a method the IDL does not have: an empty arguments struct, as any Thrift client would send
      p.writeStructBegin(`${method}_args`);
      p.writeFieldStop();
      p.writeStructEnd();
    }
    p.writeMessageEnd();
  });
}

/** The codec: the framed messages a call puts on the wire each way. */
function thriftCodec(protocol: ProtocolClass): Codec {
  const bytes = (wire: Wire) => (typeof wire === 'string' ? Buffer.from(wire) : Buffer.from(wire.buffer, wire.byteOffset, wire.byteLength));
  const reader = (wire: Wire) => new protocol(new thrift.TFramedTransport(bytes(wire).subarray(4)));
  return {
    encodeRequest: (method, args) => writeCall(protocol, method, args, 1),
    decodeRequest(method, wire) {
      const p = reader(wire);
      p.readMessageBegin();
      const args = new generated[`Rpcbench_${method}_args`]!();
      args.read(p);
      return args;
    },
    encodeReply: (method, result) =>
      frame(protocol, (p) => {
        p.writeMessageBegin(method, thrift.Thrift.MessageType.REPLY, 1);
        new generated[`Rpcbench_${method}_result`]!({ success: result }).write(p);
        p.writeMessageEnd();
      }),
    decodeReply(method, wire) {
      const p = reader(wire);
      p.readMessageBegin();
      const result = new generated[`Rpcbench_${method}_result`]!();
      result.read(p);
      return method === 'getObj' ? toNumbers(result.success) : method === 'fib' ? toNumber(result.success) : null;
    },
  };
}

/**
 * TBinaryProtocol reading strictly: a message must start with the versioned header every Thrift library writes by
 * default, so that garbage is refused (and its connection ended) instead of being read as a 1.9-GB method name.
 */
function strictBinary(): ProtocolClass {
  const Base = thrift.TBinaryProtocol as unknown as new (t: unknown, strictRead: boolean, strictWrite: boolean) => ProtocolLike;
  return class extends Base {
    constructor(transport: unknown) {
      super(transport, true, true);
    }
  };
}

/** The thrift:binary or thrift:compact row: one file, two protocols. */
export function thriftProtocol(name: 'binary' | 'compact') {
  const protocol = name === 'binary' ? strictBinary() : thrift.TCompactProtocol;
  return {
    codec: thriftCodec(protocol),
    serve: (listenAt: string, service: Service, options: ServerOptions) => serve(listenAt, service, options, protocol),
    connect: (address: string, options: ClientOptions) => connect(address, options, protocol),
  } satisfies TransportImpl;
}

/** Calls of one connection in progress at once, and replies it may leave unsent, before we stop reading it. */
const MAX_IN_FLIGHT = 256;
const MAX_UNSENT_BYTES = 1 << 20;
/** Frames of one connection handed to the package in one turn of the event loop: the others' turn comes next. */
const FRAMES_PER_TURN = 16;
/** Frames waiting, over every connection, beyond which no connection is read until they go down. */
const SERVER_WAITING_BYTES = 32 << 20;
/** A connection whose unsent replies have not drained for this long is a reader that will not read: it is closed. */
const SLOW_READER_MS = 10_000;

/** What the connections of one server share: the bytes of frames waiting in all of them, and how many there are. */
interface ServerLoad {
  waitingBytes: number;
  connections: number;
  paused: Set<() => void>;
}

/**
 * Backpressure for the package's server, which answers every frame of a chunk it reads at once, whatever the client
 * does with the replies: a client that pipelined 5 MB of calls and never read took the server to 482 MB and stalled
 * every other client for 15 s (thrift:compact encodes a getObj reply in about 300 us, and 64 KB holds 3,600 calls).
 * Here the connection's frames go to the package one at a time, at most MAX_IN_FLIGHT unanswered, none while its
 * unsent replies exceed MAX_UNSENT_BYTES, at most FRAMES_PER_TURN in a turn (so that one client's burst does not
 * stall the others: issue 32 measured 0.5-2.3 s); the socket is not read while its own frames waiting exceed the size
 * limit, nor while all connections' exceed SERVER_WAITING_BYTES unless its own are under its fair share of them (so
 * that twenty clients who fill the server do not stop a twenty-first from being read: they did, for 5 s and more);
 * and a client that does not read its replies for SLOW_READER_MS is cut off (twenty of them took the server to 503 MB).
 * Frames wait as the bytes they came in (FrameQueue): cut into a Buffer each as they arrived, twenty such clients'
 * 23-byte calls held 200 MB of heap within the 32 MiB of frames counted.
 */
function gate(socket: net.Socket, maxFrameBytes: number, load: ServerLoad): void {
  const [deliver] = socket.listeners('data') as Array<(chunk: Buffer) => void>;
  if (!deliver) return;
  socket.removeListener('data', deliver);
  const waiting = new FrameQueue();
  let inFlight = 0;
  let scheduled = false;
  let stuckSince = 0;
  load.connections++;
  const release = (bytes: number) => {
    load.waitingBytes -= bytes;
    if (load.waitingBytes <= SERVER_WAITING_BYTES) for (const resume of [...load.paused]) resume();
  };
  // a frame as long as the limit must fit whole: reading stops only past it
  const mayRead = () =>
    waiting.bytes <= maxFrameBytes + 4 && (load.waitingBytes <= SERVER_WAITING_BYTES || waiting.bytes < SERVER_WAITING_BYTES / Math.max(1, load.connections));
  const resume = () => {
    if (socket.isPaused() && mayRead() && !socket.destroyed) {
      load.paused.delete(resume);
      socket.resume();
    }
  };
  const pump = () => {
    scheduled = false;
    let turn = 0;
    while (inFlight < MAX_IN_FLIGHT && socket.writableLength <= MAX_UNSENT_BYTES && !socket.destroyed) {
      const size = waiting.nextSize();
      if ((size ?? 0) > maxFrameBytes) {
        const all = waiting.drain();
        release(all.length);
        return void deliver(all); // the package refuses it and ends the connection
      }
      if (size === null || waiting.bytes < 4 + size) break;
      if (turn++ === FRAMES_PER_TURN) {
        scheduled = true;
        return void setImmediate(pump);
      }
      const frame = waiting.shift()!;
      release(frame.length);
      inFlight++;
      deliver(frame);
    }
    resume();
  };
  const later = () => {
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(pump);
    }
  };
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  socket.write = ((...args: unknown[]) => {
    inFlight = Math.max(0, inFlight - 1); // one reply per call: the contract has no oneway method
    later();
    return write(...args);
  }) as typeof socket.write;
  socket.on('drain', () => {
    stuckSince = 0;
    later();
  });
  const watchdog = setInterval(() => {
    if (socket.writableLength <= MAX_UNSENT_BYTES) return void (stuckSince = 0);
    stuckSince ||= Date.now();
    if (Date.now() - stuckSince < SLOW_READER_MS) return;
    console.error(`thrift: closing a connection whose client has not read its replies for ${SLOW_READER_MS / 1000} s`);
    socket.destroy();
  }, 1000).unref();
  socket.on('close', () => {
    clearInterval(watchdog);
    load.connections--;
    load.paused.delete(resume);
    release(waiting.drain().length);
  });
  socket.on('data', (chunk: Buffer) => {
    waiting.push(chunk);
    load.waitingBytes += chunk.length;
    if (!mayRead()) {
      socket.pause();
      load.paused.add(resume);
    }
    later();
  });
}

async function serve(listenAt: string, service: Service, options: ServerOptions, protocol: ProtocolClass): Promise<ServerHandle> {
  const { host, port } = hostPort(parseAddress(listenAt, ['tcp:']));
  const call = async (method: string, args: unknown[]) => {
    try {
      return (await service.handle(method, args)) ?? undefined;
    } catch (error) {
      const { kind, message } = errorPayload(error);
      throw new types.RpcError({ kind, message });
    }
  };
  const handler = {
    getObj: () => call('getObj', []),
    sendObj: (obj: unknown) => call('sendObj', [toNumbers(obj)]),
    fib: (n: number) => call('fib', [n]),
  };
  // maxLength: a frame longer than the limit is refused before it is buffered, and its connection closed
  const server = thrift.createServer(generated.Processor, handler, {
    transport: thrift.TFramedTransport,
    protocol,
    maxLength: options.maxMessageBytes,
  });
  server.on('error', (error: Error) => console.error(`thrift: dropping a connection: ${error.message}`));
  const load: ServerLoad = { waitingBytes: 0, connections: 0, paused: new Set() };
  server.on('connection', (socket: net.Socket) => gate(socket, options.maxMessageBytes, load));
  const close = closerFor(server);
  const bound = await listen(server, host, port);
  return { address: `tcp://${host.includes(':') ? `[${host}]` : host}:${bound.port}`, close };
}

async function connect(address: string, options: ClientOptions, protocol: ProtocolClass): Promise<ClientHandle> {
  const { host, port } = hostPort(parseAddress(address, ['tcp:']));
  const socket = net.connect({ host, port, noDelay: true });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const pending = new PendingCalls<number>(options.timeoutMs);
  const frames = new FrameDecoder(options.maxMessageBytes);
  // the generated client reads replies; its `_reqs` callbacks settle our pending calls
  const client = new generated.Client(null, protocol);
  let closed: Error | null = null;
  socket.on('data', (chunk: Buffer) => {
    try {
      for (const body of frames.push(chunk)) settle(body, client, protocol, pending);
    } catch (error) {
      socket.destroy(error as Error);
    }
  });
  socket.on('error', (error) => {
    closed ??= new Error(`thrift connection to ${address} failed: ${error.message}`);
  });
  socket.on('close', () => {
    closed ??= new Error(`thrift server at ${address} closed the connection`);
    pending.rejectAll(closed);
    client._reqs = {};
  });
  let seqid = 0;
  return {
    call(method, args) {
      if (closed) return Promise.reject(closed);
      const id = (seqid = (seqid % 0x7fffffff) + 1);
      const reply = pending.add(id, method);
      client._reqs[id] = (error, result) => {
        if (error) pending.reject(id, remoteError(error));
        else pending.resolve(id, method === 'getObj' ? toNumbers(result) : method === 'fib' ? toNumber(result) : null);
      };
      void reply.catch(() => delete client._reqs[id]); // a timed-out call's callback goes too
      socket.write(writeCall(protocol, method, args, id));
      return reply;
    },
    async close() {
      closed ??= new Error('client closed');
      pending.rejectAll(closed);
      socket.destroy();
    },
  };
}

/** One reply frame: the generated reader for the method, or Thrift's application exception (unknown method, ...). */
function settle(body: Buffer, client: InstanceType<Generated['Client']>, protocol: ProtocolClass, pending: PendingCalls<number>): void {
  const input = new protocol(new thrift.TFramedTransport(body));
  const { fname, mtype, rseqid } = input.readMessageBegin();
  const recv = client[`recv_${fname}`] as ((p: ProtocolLike, mtype: number, rseqid: number) => void) | undefined;
  if (mtype !== thrift.Thrift.MessageType.EXCEPTION && typeof recv === 'function') {
    recv.call(client, input, mtype, rseqid);
    return;
  }
  const x = new thrift.Thrift.TApplicationException();
  x.read(input);
  delete client._reqs[rseqid];
  // thrift 0.24's TApplicationException.write never writes its type (it writes `this.code`, which is unset), so an
  // unknown method from a Node server arrives as type 0: its message, the same in every Thrift library, tells.
  const unknownMethod = x.type === UNKNOWN_METHOD || /^Unknown function /.test(x.message);
  pending.reject(rseqid, new RemoteError(unknownMethod ? 'NameError' : 'TApplicationException', x.message));
}

/** The IDL's RpcError carries the contract's kind; anything else is reported by its name. */
function remoteError(error: unknown): Error {
  const e = error as Partial<RpcError> & { name?: string };
  if (typeof e.kind === 'string') return new RemoteError(e.kind, String(e.message ?? ''));
  return new RemoteError(e.name ?? 'Error', String(e.message ?? error));
}
