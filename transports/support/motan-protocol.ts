// Weibo Motan's motan2 protocol and its "simple" serialization, Motan's cross-language wire format, as motan-core
// 1.2.2 writes them (MotanV2Codec, MotanV2Header, SimpleSerialization). A frame is a 13-byte header (magic 0xf1f1,
// flags, version and status, serialization, an 8-byte request id), a meta block of "key\nvalue" lines (service path
// M_p, method M_m, parameter types M_md, an error M_e as JSON) and a body: the arguments, one value after another, or
// the result. Every length is checked against what is left before it is read, and a value nests at most MAX_DEPTH deep.

import { FrameSplitter } from './framing.ts';

export const MAGIC = 0xf1f1;
const HEADER_BYTES = 13;
/** The serialization number of "simple" (Motan's numbers: 0 hessian, 2 json, 3 msgpack, 6 simple). */
export const SIMPLE = 6;
const FLAG = { heartbeat: 0x10, gzip: 0x08, oneway: 0x04, response: 0x01 } as const;
export const META = { path: 'M_p', method: 'M_m', desc: 'M_md', error: 'M_e', processTime: 'M_pt' } as const;
/** Motan's error types in M_e: framework, service (no such service or method), business (the method threw). */
export const ERROR_TYPE = { framework: 0, service: 1, business: 2 } as const;
/** Motan's error codes: SERVICE_UNFOUND (10101), and the framework's and business's defaults. */
export const ERROR_CODE = { serviceUnfound: 10101, framework: 20001, business: 30001 } as const;
const MAX_DEPTH = 64;

const T = {
  null: 0,
  string: 1,
  stringMap: 2,
  bytes: 3,
  stringArray: 4,
  bool: 5,
  byte: 6,
  int16: 7,
  int32: 8,
  int64: 9,
  float32: 10,
  float64: 11,
  map: 20,
  array: 21,
} as const;

export class MotanProtocolError extends Error {}

export interface MotanFrame {
  request: boolean;
  heartbeat: boolean;
  oneway: boolean;
  gzip: boolean;
  /** 0: normal; 1: an exception, described by the M_e meta entry. */
  status: number;
  serialization: number;
  /** The low 32 bits of the request id (ours are small; Motan's Java client's are not, and are echoed whole). */
  id: number;
  idBytes: Buffer;
  meta: Map<string, string>;
  body: Buffer;
}

// ---- frames

/** A frame: `reply` answers a request with its id and serialization; a request takes `id`. */
export function encodeFrame(f: {
  request: boolean;
  heartbeat?: boolean;
  status?: number;
  serialization?: number;
  id: number | Buffer;
  meta?: [string, string][];
  body?: Buffer;
}): Buffer {
  const meta = Buffer.from((f.meta ?? []).map(([k, v]) => `${line(k)}\n${line(v)}`).join('\n'));
  const body = f.body ?? Buffer.alloc(0);
  const out = Buffer.allocUnsafe(HEADER_BYTES + 4 + meta.length + 4 + body.length);
  out.writeUInt16BE(MAGIC, 0);
  out[2] = (f.heartbeat ? FLAG.heartbeat : 0) | (f.request ? 0 : FLAG.response);
  out[3] = (1 << 3) | ((f.status ?? 0) & 0x07); // version 1: motan2
  out[4] = ((f.serialization ?? SIMPLE) << 3) & 0xf8;
  if (typeof f.id === 'number') {
    out.writeUInt32BE(0, 5);
    out.writeUInt32BE(f.id >>> 0, 9);
  } else f.id.copy(out, 5, 0, 8);
  out.writeUInt32BE(meta.length, 13);
  meta.copy(out, 17);
  out.writeUInt32BE(body.length, 17 + meta.length);
  body.copy(out, 21 + meta.length);
  return out;
}

/** A meta key or value on one line: the format cannot carry a newline. */
const line = (s: string) => s.replace(/\n/g, ' ');

/**
 * Cuts a byte stream into motan2 frames. A frame whose meta and body declare more than `maxMessageBytes` is refused
 * by its lengths, before it is buffered; so is a stream that does not start with motan2's magic (Motan 1's 0xdabb
 * frames are not served).
 */
export class MotanDecoder extends FrameSplitter<MotanFrame> {
  constructor(private readonly maxMessageBytes: number) {
    super();
  }

  /** Where the frame at `at` ends, or the bytes it needs to say; throws for a frame that may never be read. */
  protected frameEnd(b: Buffer, at: number): number {
    if (b.length - at < 2) return at + 2;
    if (b.readUInt16BE(at) !== MAGIC) throw new MotanProtocolError('not motan2: the stream does not start with its magic 0xf1f1');
    if (b.length - at < HEADER_BYTES + 4) return at + HEADER_BYTES + 4;
    if (b[at + 3]! >> 3 !== 1) throw new MotanProtocolError(`protocol version ${b[at + 3]! >> 3} is not motan2's (1)`);
    const metaBytes = b.readUInt32BE(at + HEADER_BYTES);
    this.check(metaBytes);
    const bodyAt = at + HEADER_BYTES + 4 + metaBytes;
    if (b.length < bodyAt + 4) return bodyAt + 4;
    const bodyBytes = b.readUInt32BE(bodyAt);
    this.check(metaBytes + bodyBytes);
    return bodyAt + 4 + bodyBytes;
  }

  protected parse(bytes: Buffer, at: number, end: number): MotanFrame {
    return parse(bytes.subarray(at, end));
  }

  private check(bytes: number): void {
    if (bytes > this.maxMessageBytes) throw new MotanProtocolError(`a frame of ${bytes} bytes exceeds the limit of ${this.maxMessageBytes} bytes`);
  }
}

function parse(bytes: Buffer): MotanFrame {
  const flags = bytes[2]!;
  const metaBytes = bytes.readUInt32BE(HEADER_BYTES);
  const metaEnd = HEADER_BYTES + 4 + metaBytes;
  return {
    request: (flags & FLAG.response) === 0,
    heartbeat: (flags & FLAG.heartbeat) !== 0,
    oneway: (flags & FLAG.oneway) !== 0,
    gzip: (flags & FLAG.gzip) !== 0,
    status: bytes[3]! & 0x07,
    serialization: bytes[4]! >> 3,
    id: bytes.readUInt32BE(9),
    idBytes: bytes.subarray(5, 13),
    meta: decodeMeta(bytes.subarray(HEADER_BYTES + 4, metaEnd)),
    body: bytes.subarray(metaEnd + 4),
  };
}

/** "k\nv\nk\nv", as MotanV2Codec.decodeMeta reads it (an odd last line is ignored). */
function decodeMeta(bytes: Buffer): Map<string, string> {
  const meta = new Map<string, string>();
  if (bytes.length === 0) return meta;
  const lines = bytes.toString('utf8').split('\n');
  for (let i = 0; i + 1 < lines.length; i += 2) meta.set(lines[i]!, lines[i + 1]!);
  return meta;
}

// ---- simple serialization

/** Values one after another, as SimpleSerialization.serializeMulti writes a call's arguments. */
export function encodeValues(values: readonly unknown[]): Buffer {
  const w = new Writer();
  for (const v of values) w.value(v, 0);
  return w.done();
}

/** Every value in `bytes`: a call's arguments, or (one) a result. */
export function decodeValues(bytes: Buffer): unknown[] {
  const r = new Reader(bytes);
  const values: unknown[] = [];
  while (r.at < bytes.length) values.push(r.value(0));
  return values;
}

class Writer {
  private buf = Buffer.allocUnsafe(4096);
  private at = 0;

  done(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.at));
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
  }

  private byte(b: number): void {
    this.room(1);
    this.buf[this.at++] = b;
  }

  private varint(v: bigint) {
    for (;;) {
      if (v < 0x80n) return this.byte(Number(v));
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
  }

  private lengthPrefixed(bytes: Buffer): void {
    this.room(4 + bytes.length);
    this.buf.writeUInt32BE(bytes.length, this.at);
    bytes.copy(this.buf, this.at + 4);
    this.at += 4 + bytes.length;
  }

  /** A string, length-prefixed, written in place (no Buffer made for it). */
  private text(s: string): void {
    this.room(4 + 3 * s.length); // UTF-8 takes at most 3 bytes a UTF-16 unit
    const n = this.buf.write(s, this.at + 4, 'utf8');
    this.buf.writeUInt32BE(n, this.at);
    this.at += 4 + n;
  }

  /** A type byte, then a 4-byte size of what `body` writes. */
  private sized(type: number, body: () => void): void {
    this.byte(type);
    this.room(4);
    const sizeAt = this.at;
    this.at += 4;
    body();
    this.buf.writeUInt32BE(this.at - sizeAt - 4, sizeAt);
  }

  value(v: unknown, depth: number) {
    if (depth > MAX_DEPTH) throw new MotanProtocolError(`a value nested deeper than ${MAX_DEPTH}`);
    if (v === null || v === undefined) return this.byte(T.null);
    if (typeof v === 'string') {
      this.byte(T.string);
      return this.text(v);
    }
    if (typeof v === 'boolean') return this.bytes([T.bool, v ? 1 : 0]);
    if (typeof v === 'number') return this.number(v);
    if (typeof v === 'bigint') {
      this.byte(T.int64);
      return this.varint(BigInt.asUintN(64, (v << 1n) ^ (v >> 63n)));
    }
    if (v instanceof Uint8Array) {
      this.byte(T.bytes);
      return this.lengthPrefixed(Buffer.from(v.buffer, v.byteOffset, v.byteLength));
    }
    if (Array.isArray(v)) return this.array(v, depth);
    if (typeof v === 'object') return this.map(Object.entries(v as object), depth);
    throw new MotanProtocolError(`simple serialization has no form for a ${typeof v}`);
  }

  private bytes(bs: number[]): void {
    for (const b of bs) this.byte(b);
  }

  /** An integer as Java's Integer or Long (zigzag varints), any other number as a double. */
  private number(v: number) {
    if (Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) {
      this.byte(T.int32);
      // in numbers, not bigints: most values are small integers, and a bigint a value cost several times the time
      let zz = ((v << 1) ^ (v >> 31)) >>> 0;
      for (; zz >= 0x80; zz >>>= 7) this.byte((zz & 0x7f) | 0x80);
      return this.byte(zz);
    }
    if (Number.isSafeInteger(v)) {
      const b = BigInt(v);
      this.byte(T.int64);
      return this.varint(BigInt.asUintN(64, (b << 1n) ^ (b >> 63n)));
    }
    this.byte(T.float64);
    this.room(8);
    this.at = this.buf.writeDoubleBE(v, this.at);
  }

  /** Strings only (and not empty) as Java writes a List<String>: a string array; anything else an array of values. */
  private array(v: unknown[], depth: number) {
    const strings = v.length > 0 && v.every((x) => typeof x === 'string' || x === null || x === undefined);
    if (strings) {
      return this.sized(T.stringArray, () => {
        for (const s of v) if (typeof s === 'string') this.text(s);
      });
    }
    this.sized(T.array, () => {
      for (const x of v) this.value(x, depth + 1);
    });
  }

  /** String values only (and not empty) as Java writes a Map<String, String>: a string map; anything else a map. */
  private map(entries: [string, unknown][], depth: number) {
    const strings = entries.length > 0 && entries.every(([, x]) => typeof x === 'string' || x === null || x === undefined);
    if (strings) {
      return this.sized(T.stringMap, () => {
        for (const [k, x] of entries) {
          if (typeof x !== 'string') continue;
          this.text(k);
          this.text(x);
        }
      });
    }
    this.sized(T.map, () => {
      for (const [k, x] of entries) {
        this.value(k, depth + 1);
        this.value(x, depth + 1);
      }
    });
  }
}

class Reader {
  at = 0;

  constructor(private readonly b: Buffer) {}

  private need(n: number, what: string): void {
    if (n < 0 || this.at + n > this.b.length) throw new MotanProtocolError(`${what}: ${n} bytes, where ${this.b.length - this.at} are left`);
  }

  private size(what: string): number {
    this.need(4, what);
    const n = this.b.readUInt32BE(this.at);
    this.at += 4;
    this.need(n, what);
    return n;
  }

  private raw(what: string): Buffer {
    const n = this.size(what);
    this.at += n;
    return this.b.subarray(this.at - n, this.at);
  }

  /** A length-prefixed UTF-8 string, decoded in place (no Buffer made for it). */
  private text(what: string): string {
    const n = this.size(what);
    this.at += n;
    return this.b.toString('utf8', this.at - n, this.at);
  }

  private varint(): bigint {
    let v = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      this.need(1, 'a varint');
      const byte = this.b[this.at++]!;
      v |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return v;
    }
    throw new MotanProtocolError('a varint longer than 10 bytes');
  }

  /** A zigzag varint as a number; through bigints only when it takes more than 7 bytes (beyond 2^49). */
  private zigzag(bits: number): number | bigint {
    const start = this.at;
    let u = 0;
    for (let i = 0, scale = 1; i < 7; i++, scale *= 128) {
      this.need(1, 'a varint');
      const byte = this.b[this.at++]!;
      u += (byte & 0x7f) * scale;
      if ((byte & 0x80) !== 0) continue;
      if (bits === 32 && u >= 2 ** 32) break;
      return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
    }
    this.at = start;
    return this.zigzagBig(bits);
  }

  private zigzagBig(bits: number): number | bigint {
    const u = BigInt.asUintN(bits, this.varint());
    const v = BigInt.asIntN(bits, (u >> 1n) ^ -(u & 1n));
    return bits === 32 || (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) ? Number(v) : v;
  }

  /** The entries of a sized block, read by `entry` until its end, which must be where the block says. */
  private block<E>(what: string, entry: () => E): E[] {
    const bytes = this.size(what);
    const end = this.at + bytes;
    const out: E[] = [];
    while (this.at < end) out.push(entry());
    if (this.at !== end) throw new MotanProtocolError(`${what}: its entries overrun its size`);
    return out;
  }

  value(depth: number): unknown {
    if (depth > MAX_DEPTH) throw new MotanProtocolError(`a value nested deeper than ${MAX_DEPTH}`);
    this.need(1, 'a type');
    const type = this.b[this.at++]!;
    switch (type) {
      case T.null:
        return null;
      case T.string:
        return this.text('a string');
      case T.bytes:
        return Buffer.from(this.raw('bytes'));
      case T.bool:
        return this.b[this.fixed(1, type)] === 1;
      case T.byte:
        return this.b.readInt8(this.fixed(1, type));
      case T.int16:
        return this.b.readInt16BE(this.fixed(2, type));
      case T.int32:
        return this.zigzag(32);
      case T.int64:
        return this.zigzag(64);
      case T.float32:
        return this.b.readFloatBE(this.fixed(4, type));
      case T.float64:
        return this.b.readDoubleBE(this.fixed(8, type));
      case T.stringArray:
        return this.block('a string array', () => this.text('a string'));
      case T.array:
        return this.block('an array', () => this.value(depth + 1));
      case T.stringMap:
        return this.object(
          'a string map',
          () => this.text('a key'),
          () => this.text('a value'),
        );
      case T.map:
        return this.object(
          'a map',
          () => this.key(depth),
          () => this.value(depth + 1),
        );
      default:
        throw new MotanProtocolError(`unknown simple-serialization type ${type}`);
    }
  }

  /** Where a fixed-size value of `n` bytes starts; past it afterwards. (A method, not a closure made per value.) */
  private fixed(n: number, type: number): number {
    if (this.at + n > this.b.length) this.need(n, `a value of type ${type}`);
    this.at += n;
    return this.at - n;
  }

  /** A map block as an object: keys as own properties, "__proto__" included (never the object's prototype). */
  private object(what: string, key: () => string, value: () => unknown): Record<string, unknown> {
    const bytes = this.size(what);
    const end = this.at + bytes;
    const o: Record<string, unknown> = {};
    while (this.at < end) {
      const k = key();
      const v = value();
      if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
      else o[k] = v;
    }
    if (this.at !== end) throw new MotanProtocolError(`${what}: its entries overrun its size`);
    return o;
  }

  /** A map's key as an object's: a string or a number (Java's Map<Integer, …>), never a nested value. */
  private key(depth: number): string {
    const k = this.value(depth + 1);
    if (typeof k === 'string' || typeof k === 'number' || typeof k === 'bigint') return String(k);
    throw new MotanProtocolError(`a map key of type ${k === null ? 'null' : typeof k} (strings and numbers are read)`);
  }
}
