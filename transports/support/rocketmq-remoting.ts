// RocketMQ's remoting protocol, as its NameServer and broker speak it on TCP (RemotingCommand in
// org.apache.rocketmq.remoting.protocol): a frame is a 4-byte length, a 4-byte word whose top byte is the header's
// serialization (0: JSON) and whose low 3 bytes are the header's length, the header, then the body. The header is
// {code, language, version, opaque, flag, remark, extFields}: `code` is what is asked (a RequestCode) or how it went
// (a ResponseCode), `opaque` matches a response to its request, flag bit 0 marks a response and bit 1 a one-way
// request, and extFields carries the command's fields as strings. Either side may send requests: the broker pushes
// a reply message to the client that asked (PUSH_REPLY_MESSAGE_TO_CLIENT) and waits for its response.
// Only what the rocketmq row uses is here; no npm package speaks this protocol with request/reply (the Apache
// Node.js client speaks the 5.x gRPC proxy protocol, which has no request/reply).
import net from 'node:net';
import { inflateSync } from 'node:zlib';
import { CallTimeoutError } from '../contract.ts';
import { FrameDecoder } from './framing.ts';

export const REQUEST = {
  SEND_MESSAGE: 10,
  PULL_MESSAGE: 11,
  QUERY_CONSUMER_OFFSET: 14,
  UPDATE_AND_CREATE_TOPIC: 17,
  GET_BROKER_CONFIG: 26,
  GET_BROKER_RUNTIME_INFO: 28,
  GET_ALL_TOPIC_CONFIG: 21,
  GET_MIN_OFFSET: 29,
  HEART_BEAT: 34,
  UNREGISTER_CLIENT: 35,
  GET_ROUTEINFO_BY_TOPIC: 105,
  GET_BROKER_CLUSTER_INFO: 106,
  GET_ALL_TOPIC_LIST_FROM_NAMESERVER: 206,
  UPDATE_AND_CREATE_SUBSCRIPTIONGROUP: 200,
  GET_ALL_SUBSCRIPTIONGROUP_CONFIG: 201,
  DELETE_SUBSCRIPTIONGROUP: 207,
  DELETE_TOPIC_IN_BROKER: 215,
  DELETE_TOPIC_IN_NAMESRV: 216,
  SEND_REPLY_MESSAGE: 324,
  PUSH_REPLY_MESSAGE_TO_CLIENT: 326,
} as const;

export const RESPONSE = {
  SUCCESS: 0,
  SYSTEM_ERROR: 1,
  TOPIC_NOT_EXIST: 17,
  PULL_NOT_FOUND: 19,
  PULL_RETRY_IMMEDIATELY: 20,
  PULL_OFFSET_MOVED: 21,
  QUERY_NOT_FOUND: 22,
  REQUEST_CODE_NOT_SUPPORTED: 3,
} as const;

/** MQVersion.Version.V5_3_3's ordinal: the client version the broker sees (it adapts a few answers to old clients). */
const VERSION = 479;
const IS_RESPONSE = 1;
const ONEWAY = 2;
/** A header is JSON of a few fields: one larger than this is not a broker's. */
const MAX_HEADER_BYTES = 64 * 1024;

/** A field of a request: extFields carries each as its string. */
export type Field = string | number | bigint | boolean;

export interface Command {
  code: number;
  opaque: number;
  flag: number;
  remark?: string | null;
  extFields: Record<string, string>;
  body?: Buffer;
}

export function encodeCommand(c: Command): Buffer {
  const header = Buffer.from(
    JSON.stringify({ code: c.code, language: 'NODE_JS', version: VERSION, opaque: c.opaque, flag: c.flag, remark: c.remark ?? null, extFields: c.extFields }),
  );
  const body = c.body ?? Buffer.alloc(0);
  const frame = Buffer.allocUnsafe(8 + header.length + body.length);
  frame.writeUInt32BE(4 + header.length + body.length, 0);
  frame.writeUInt32BE(header.length, 4); // serialization 0: JSON
  header.copy(frame, 8);
  body.copy(frame, 8 + header.length);
  return frame;
}

/** A frame's command (without its length prefix); throws on anything that is not one. */
export function decodeCommand(frame: Buffer): Command {
  if (frame.length < 4) throw new Error(`a frame of ${frame.length} bytes`);
  const word = frame.readUInt32BE(0);
  const type = word >>> 24;
  const headerLength = word & 0xffffff;
  if (type !== 0) throw new Error(`a header in serialization ${type}, not JSON (0)`);
  if (headerLength > frame.length - 4 || headerLength > MAX_HEADER_BYTES) throw new Error(`a header of ${headerLength} bytes in a frame of ${frame.length}`);
  const h = lenientJson(frame.toString('utf8', 4, 4 + headerLength)) as Partial<Command> & { extFields?: Record<string, unknown> };
  if (typeof h.code !== 'number' || typeof h.opaque !== 'number') throw new Error('a header without code or opaque');
  const extFields: Record<string, string> = {};
  for (const [k, v] of Object.entries(h.extFields ?? {})) extFields[k] = String(v);
  return { code: h.code, opaque: h.opaque, flag: Number(h.flag ?? 0), remark: h.remark ?? null, extFields, body: frame.subarray(4 + headerLength) };
}

/**
 * JSON as fastjson writes it, which names a map's integer keys without quotes (a route's brokerAddrs is {0:"host:port"}).
 * Quotes them where a key may stand (after { or ,) outside strings.
 */
export function lenientJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    let out = '';
    let inString = false;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (inString) {
        out += ch;
        if (ch === '\\') out += text[++i] ?? '';
        else if (ch === '"') inString = false;
        continue;
      }
      if (ch === '"') inString = true;
      out += ch;
      if (ch === '{' || ch === ',') {
        const key = /^\s*(-?\d+)\s*:/.exec(text.slice(i + 1, i + 32));
        if (key) {
          out += `"${key[1]}":`;
          i += key[0].length;
        }
      }
    }
    return JSON.parse(out);
  }
}

/** A message's properties as RocketMQ writes them: name \u0001 value \u0002, repeated. */
export function encodeProperties(props: Record<string, string>): string {
  return Object.entries(props)
    .map(([k, v]) => `${k}\u0001${v}\u0002`)
    .join('');
}

export function decodeProperties(text: string | undefined): Map<string, string> {
  const props = new Map<string, string>();
  for (const pair of (text ?? '').split('\u0002')) {
    const at = pair.indexOf('\u0001');
    if (at > 0) props.set(pair.slice(0, at), pair.slice(at + 1));
  }
  return props;
}

/** A request to the NameServer or broker failed with this response code (and the broker's remark). */
export class RemotingError extends Error {
  constructor(
    readonly code: number,
    remark: string | null | undefined,
    what: string,
  ) {
    super(`${what}: RocketMQ answered code ${code}${remark ? ` (${remark})` : ''}`);
    this.name = 'RemotingError';
  }
}

export interface ConnectionOptions {
  host: string;
  port: number;
  /** Every request's deadline unless it names its own. */
  timeoutMs: number;
  /** The largest frame accepted from the peer: bounds what one connection may make us hold. */
  maxFrameBytes: number;
  /** A request the peer sends us (the broker's pushed reply): the answer is sent back as a response. */
  onRequest?: (request: Command) => Promise<{ code: number; remark?: string }> | { code: number; remark?: string };
}

interface Waiting {
  what: string;
  timeoutMs: number;
  deadline: number;
  resolve(c: Command): void;
  reject(e: Error): void;
}

/**
 * One TCP connection to a NameServer or broker: requests matched to responses by opaque, each with a deadline. One
 * sweeping interval serves every deadline, and the frames written in one turn of the event loop go out in one write:
 * a timer and a write per call were a third of the client's CPU per call at 16 in flight.
 */
export class RemotingConnection {
  private readonly waiting = new Map<number, Waiting>();
  private nextOpaque = 1;
  private closedWith: Error | null = null;
  private readonly closeListeners: ((e: Error) => void)[] = [];
  private sweeper: NodeJS.Timeout | undefined;
  private corked = false;

  private constructor(
    private readonly socket: net.Socket,
    private readonly options: ConnectionOptions,
  ) {
    const frames = new FrameDecoder(options.maxFrameBytes);
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const frame of frames.push(chunk)) this.received(decodeCommand(frame));
      } catch (error) {
        socket.destroy(new Error(`RocketMQ at ${options.host}:${options.port} sent a bad frame: ${(error as Error).message}`));
      }
    });
    socket.on('error', (error) => this.closed(error));
    socket.on('close', () => this.closed(new Error(`RocketMQ at ${options.host}:${options.port} closed the connection`)));
  }

  static open(options: ConnectionOptions): Promise<RemotingConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: options.host, port: options.port, noDelay: true });
      const timer = setTimeout(
        () => socket.destroy(new Error(`no connection to RocketMQ at ${options.host}:${options.port} within ${options.timeoutMs} ms`)),
        options.timeoutMs,
      );
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new RemotingConnection(socket, options));
      });
    });
  }

  get isOpen(): boolean {
    return this.closedWith === null;
  }

  onClose(listener: (e: Error) => void): void {
    this.closeListeners.push(listener);
  }

  /** Sends a request and resolves with the response, whatever its code; rejects on the deadline or a lost connection. */
  invoke(code: number, extFields: Record<string, Field>, what: string, body?: Buffer, timeoutMs = this.options.timeoutMs): Promise<Command> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const opaque = this.nextOpaque++ & 0x7fffffff;
    return new Promise((resolve, reject) => {
      this.waiting.set(opaque, { what, timeoutMs, deadline: performance.now() + timeoutMs, resolve, reject });
      this.sweeper ??= setInterval(() => this.sweep(), Math.min(250, Math.max(10, timeoutMs / 4))).unref();
      this.write(encodeCommand({ code, opaque, flag: 0, extFields: strings(extFields), ...(body ? { body } : {}) }));
    });
  }

  private write(frame: Buffer): void {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(frame);
  }

  private sweep(): void {
    const now = performance.now();
    for (const [opaque, w] of this.waiting) {
      if (w.deadline > now) continue;
      this.waiting.delete(opaque);
      w.reject(new CallTimeoutError(w.what, w.timeoutMs));
    }
  }

  /** invoke(), then the response's code must be `expect` (SUCCESS unless told): else a RemotingError. */
  async call(code: number, extFields: Record<string, Field>, what: string, body?: Buffer, timeoutMs?: number): Promise<Command> {
    const response = await this.invoke(code, extFields, what, body, timeoutMs);
    if (response.code !== RESPONSE.SUCCESS) throw new RemotingError(response.code, response.remark, what);
    return response;
  }

  close(): void {
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
    this.closed(new Error('connection closed'));
  }

  private received(c: Command): void {
    if (c.flag & IS_RESPONSE) {
      const w = this.waiting.get(c.opaque);
      if (!w) return; // its deadline passed
      this.waiting.delete(c.opaque);
      w.resolve(c);
      return;
    }
    void this.answer(c);
  }

  private async answer(request: Command): Promise<void> {
    let out: { code: number; remark?: string };
    try {
      out = this.options.onRequest
        ? await this.options.onRequest(request)
        : { code: RESPONSE.REQUEST_CODE_NOT_SUPPORTED, remark: `code ${request.code} is not served here` };
    } catch (error) {
      out = { code: RESPONSE.SYSTEM_ERROR, remark: (error as Error).message };
    }
    if (request.flag & ONEWAY || this.closedWith) return;
    this.write(encodeCommand({ code: out.code, opaque: request.opaque, flag: IS_RESPONSE, remark: out.remark ?? null, extFields: {} }));
  }

  private closed(error: Error): void {
    if (this.closedWith) return;
    this.closedWith = error;
    clearInterval(this.sweeper);
    for (const w of this.waiting.values()) w.reject(error);
    this.waiting.clear();
    for (const listener of this.closeListeners) listener(error);
  }
}

const strings = (fields: Record<string, Field>) => Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)]));

// ---- messages, as a pull returns them (MessageDecoder) ----

export interface PulledMessage {
  queueOffset: bigint;
  topic: string;
  properties: Map<string, string>;
  body: Buffer;
}

const MAGIC_V1 = -626843481;
const MAGIC_V2 = -626843477;
const COMPRESSED = 0x1;
const BORNHOST_V6 = 0x1 << 4;
const STOREHOST_V6 = 0x1 << 5;
/** The compression type bits of a compressed message's sysFlag: 0 (before 4.9) and 3 are zlib. */
const COMPRESSION_TYPE = 0x7 << 8;
const ZLIB = 0x3 << 8;

/**
 * The messages of a pull's body, one after another. A message this cannot read (a compression other than zlib, a body
 * that inflates past `maxBodyBytes`) comes back with the reason instead of its body; a body cut short throws.
 */
export function decodeMessages(body: Buffer, maxBodyBytes: number): (PulledMessage | { queueOffset: bigint; error: string })[] {
  const out: (PulledMessage | { queueOffset: bigint; error: string })[] = [];
  let at = 0;
  while (at < body.length) {
    const size = body.readInt32BE(at);
    if (size <= 0 || at + size > body.length) throw new Error(`a message of ${size} bytes at ${at} of ${body.length}`);
    out.push(decodeMessage(body.subarray(at, at + size), maxBodyBytes));
    at += size;
  }
  return out;
}

function decodeMessage(m: Buffer, maxBodyBytes: number): PulledMessage | { queueOffset: bigint; error: string } {
  const magic = m.readInt32BE(4);
  if (magic !== MAGIC_V1 && magic !== MAGIC_V2) throw new Error(`a message with magic code ${magic}`);
  const queueOffset = m.readBigInt64BE(20);
  const sysFlag = m.readInt32BE(36);
  let at = 48 + ((sysFlag & BORNHOST_V6 ? 16 : 4) + 4) + 8 + ((sysFlag & STOREHOST_V6 ? 16 : 4) + 4) + 4 + 8;
  const bodyLength = m.readInt32BE(at);
  let body: Buffer = m.subarray(at + 4, at + 4 + bodyLength);
  at += 4 + bodyLength;
  const topicLength = magic === MAGIC_V2 ? m.readInt16BE(at) : m.readUInt8(at);
  at += magic === MAGIC_V2 ? 2 : 1;
  const topic = m.toString('utf8', at, at + topicLength);
  at += topicLength;
  const propertiesLength = m.readInt16BE(at);
  const properties = decodeProperties(m.toString('utf8', at + 2, at + 2 + propertiesLength));
  if (sysFlag & COMPRESSED) {
    const type = sysFlag & COMPRESSION_TYPE;
    if (type !== 0 && type !== ZLIB) return { queueOffset, error: `a body compressed with type ${type >> 8}, not zlib` };
    try {
      body = inflateSync(body, { maxOutputLength: maxBodyBytes });
    } catch (error) {
      return { queueOffset, error: `a compressed body that does not inflate within ${maxBodyBytes} bytes: ${(error as Error).message}` };
    }
  }
  return { queueOffset, topic, properties, body };
}
