// The rpcx protocol (github.com/smallnest/rpcx, protocol/message.go), as its Go server and client speak it:
//   header  12 bytes: magic 0x08, version, flags (0x80 response, 0x40 heartbeat, 0x20 one-way, 0x1C compression
//           << 2, 0x03 status: 1 = error), serialization << 4 (3 = MessagePack), sequence number (uint64 BE)
//   then    total length (uint32 BE) of: service path, service method, metadata, payload, each as length + bytes;
//           metadata is key length, key, value length, value, ...; an error's text is under "__rpcx_error__".
// rpcx's own decoder takes any length unless MaxMessageLength is set; ours always bounds it.
import { gunzipSync } from 'node:zlib';
import { FrameSplitter } from './framing.ts';

export const MAGIC = 0x08;
export const MSGPACK = 3;
const RESPONSE = 0x80;
const HEARTBEAT = 0x40;
const ONEWAY = 0x20;
const GZIP = 1;
const STATUS_ERROR = 1;
export const ERROR_KEY = '__rpcx_error__';
const HEADER_BYTES = 12;
/** Header, total length, and the four length prefixes. */
const OVERHEAD = HEADER_BYTES + 4 + 16;
/** Room for service path, method and metadata beside a payload of the limit. */
const NAMES_BYTES = 64 * 1024;

export interface RpcxMessage {
  /** The header as it came: a reply copies it (sequence number, serialization) and changes the flags. */
  header: Buffer;
  response: boolean;
  heartbeat: boolean;
  oneway: boolean;
  error: boolean;
  serialization: number;
  /** The low 32 bits of the sequence number (ours never go higher; a reply carries the header whole). */
  seq: number;
  servicePath: string;
  serviceMethod: string;
  metadata: Buffer;
  /** Inflated, when it came gzipped. */
  payload: Buffer;
}

export class RpcxProtocolError extends Error {}

export interface Outgoing {
  seq: number;
  servicePath: string;
  serviceMethod: string;
  payload: Uint8Array;
  metadata?: Record<string, string>;
}

/** A request with MessagePack payload and the low 32 bits of `seq`. */
export function encodeRequest(m: Outgoing): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header[0] = MAGIC;
  header[3] = MSGPACK << 4;
  header.writeUInt32BE(m.seq >>> 0, 8);
  return encode(header, m);
}

/** The reply to `request`: its header, made a response, uncompressed, with the error status when `error` is set. */
export function encodeReply(request: RpcxMessage, payload: Uint8Array, error?: string): Buffer {
  const header = Buffer.from(request.header);
  header[2] = (header[2]! & (HEARTBEAT | ONEWAY)) | RESPONSE | (error === undefined ? 0 : STATUS_ERROR);
  const metadata = error === undefined ? undefined : { [ERROR_KEY]: error };
  return encode(header, { seq: 0, servicePath: request.servicePath, serviceMethod: request.serviceMethod, payload, metadata });
}

function encode(header: Buffer, m: Outgoing): Buffer {
  const parts = [Buffer.from(m.servicePath), Buffer.from(m.serviceMethod), encodeMetadata(m.metadata), m.payload];
  const total = parts.reduce((n, p) => n + 4 + p.length, 0);
  const out = Buffer.allocUnsafe(HEADER_BYTES + 4 + total);
  header.copy(out, 0);
  out.writeUInt32BE(total, HEADER_BYTES);
  let at = HEADER_BYTES + 4;
  for (const part of parts) {
    out.writeUInt32BE(part.length, at);
    out.set(part, at + 4);
    at += 4 + part.length;
  }
  return out;
}

function encodeMetadata(metadata: Record<string, string> | undefined): Buffer {
  if (!metadata) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(metadata)) {
    for (const s of [Buffer.from(k), Buffer.from(v)]) {
      const len = Buffer.allocUnsafe(4);
      len.writeUInt32BE(s.length, 0);
      parts.push(len, s);
    }
  }
  return Buffer.concat(parts);
}

/** The value of `key` in a message's metadata, or undefined; throws for metadata whose lengths do not add up. */
export function metadataValue(metadata: Buffer, key: string): string | undefined {
  let at = 0;
  const next = () => {
    if (metadata.length - at < 4) throw new RpcxProtocolError('metadata cut short');
    const len = metadata.readUInt32BE(at);
    if (len > metadata.length - at - 4) throw new RpcxProtocolError('a metadata length runs past its end');
    at += 4 + len;
    return metadata.subarray(at - len, at);
  };
  while (at < metadata.length) {
    const k = next().toString();
    const v = next();
    if (k === key) return v.toString();
  }
  return undefined;
}

/**
 * Cuts a byte stream into rpcx messages. A message over `maxMessageBytes` of payload (and 64 KB of names and
 * metadata) is refused by its declared length, before it is buffered; a gzipped payload inflates to at most the limit.
 */
export class RpcxDecoder extends FrameSplitter<RpcxMessage> {
  constructor(private readonly maxMessageBytes: number) {
    super();
  }

  protected frameEnd(bytes: Buffer, at: number): number {
    if (bytes.length - at < HEADER_BYTES + 4) return at + HEADER_BYTES + 4;
    if (bytes[at] !== MAGIC) throw new RpcxProtocolError(`not rpcx: the first byte is 0x${bytes[at]!.toString(16)}, not 0x08`);
    const total = bytes.readUInt32BE(at + HEADER_BYTES);
    if (total > this.maxMessageBytes + NAMES_BYTES + OVERHEAD)
      throw new RpcxProtocolError(`a message of ${total} bytes exceeds the limit of ${this.maxMessageBytes} bytes`);
    return at + HEADER_BYTES + 4 + total;
  }

  protected parse(bytes: Buffer, at: number, end: number): RpcxMessage {
    return parse(bytes.subarray(at, end), this.maxMessageBytes);
  }
}

function parse(frame: Buffer, maxMessageBytes: number): RpcxMessage {
  const header = frame.subarray(0, HEADER_BYTES);
  let at = HEADER_BYTES + 4;
  const field = (what: string, max: number) => {
    if (frame.length - at < 4) throw new RpcxProtocolError(`the message ends before its ${what}`);
    const len = frame.readUInt32BE(at);
    if (len > frame.length - at - 4 || len > max) throw new RpcxProtocolError(`its ${what} of ${len} bytes runs past the message or its limit`);
    at += 4 + len;
    return frame.subarray(at - len, at);
  };
  const servicePath = field('service path', NAMES_BYTES).toString();
  const serviceMethod = field('service method', NAMES_BYTES).toString();
  const metadata = field('metadata', NAMES_BYTES);
  let payload = field('payload', maxMessageBytes);
  const flags = header[2]!;
  const compression = (flags & 0x1c) >> 2;
  if (compression === GZIP) payload = inflate(payload, maxMessageBytes);
  else if (compression !== 0) throw new RpcxProtocolError(`compression ${compression} is not rpcx's (0 none, 1 gzip)`);
  return {
    header,
    response: (flags & RESPONSE) !== 0,
    heartbeat: (flags & HEARTBEAT) !== 0,
    oneway: (flags & ONEWAY) !== 0,
    error: (flags & 0x03) === STATUS_ERROR,
    serialization: header[3]! >> 4,
    seq: header.readUInt32BE(8),
    servicePath,
    serviceMethod,
    metadata,
    payload,
  };
}

function inflate(payload: Buffer, maxMessageBytes: number): Buffer {
  try {
    return gunzipSync(payload, { maxOutputLength: maxMessageBytes });
  } catch (error) {
    throw new RpcxProtocolError(`a gzipped payload that does not inflate within ${maxMessageBytes} bytes: ${(error as Error).message}`);
  }
}
