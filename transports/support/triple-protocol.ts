// Apache Dubbo's Triple protocol as Dubbo 3.3 speaks it for a Java interface (not a protobuf IDL): gRPC over HTTP/2
// (POST /rpcbench.Contract/<method>, content-type application/grpc+proto, each message behind gRPC's 5-byte prefix),
// whose messages wrap Hessian 2 values in protobuf (Dubbo's "wrapper mode", triple_wrapper.proto in dubbo-rpc-triple):
//   TripleRequestWrapper   1 serializeType ("hessian4": Dubbo's name for Hessian 2 here), 2 args (each one Hessian
//                          value), 3 argTypes (the Java class of each parameter)
//   TripleResponseWrapper  1 serializeType, 2 data (one Hessian value), 3 type (the method's return class)
// A method that threw is answered with grpc-status 0, the header tri-exception-code 3 (Dubbo's BIZ_EXCEPTION) and
// the Java exception as the response's data; an unknown service with grpc-status 12 (UNIMPLEMENTED).
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import hessian from 'hessian.js';

export const CONTENT_TYPE = 'application/grpc+proto';
/** Dubbo's wrapper name of Hessian 2, which its provider and consumer both write and read; "hessian2" is read too. */
export const HESSIAN = 'hessian4';
const HESSIANS = new Set([HESSIAN, 'hessian2']);
/** The tri-exception-code of an exception the method threw (org.apache.dubbo.rpc.RpcException.BIZ_EXCEPTION). */
export const BIZ_EXCEPTION = '3';
/** The contract's calls take at most three arguments (a generic call): a request claiming more is refused. */
const MAX_ARGS = 16;
const PREFIX_BYTES = 5;

/** A request we do not take, and why in gRPC's terms: too large, not served (compression, a serialization), or unreadable. */
export class TripleProtocolError extends Error {
  constructor(
    message: string,
    readonly why: 'too-large' | 'not-served' | 'unreadable' = 'unreadable',
  ) {
    super(message);
  }
}

export interface RequestWrapper {
  serializeType: string;
  args: Uint8Array[];
  argTypes: string[];
}

export interface ResponseWrapper {
  serializeType: string;
  data: Uint8Array;
  type: string;
}

export function encodeRequest(args: readonly unknown[], argTypes: readonly string[]): Buffer {
  const w = new BinaryWriter();
  w.tag(1, WireType.LengthDelimited).string(HESSIAN);
  for (const a of args) w.tag(2, WireType.LengthDelimited).bytes(hessianValue(a));
  for (const t of argTypes) w.tag(3, WireType.LengthDelimited).string(t);
  return message(w.finish());
}

export function encodeResponse(value: unknown, type: string): Buffer {
  const w = new BinaryWriter();
  w.tag(1, WireType.LengthDelimited).string(HESSIAN);
  w.tag(2, WireType.LengthDelimited).bytes(hessianValue(value ?? null));
  w.tag(3, WireType.LengthDelimited).string(type);
  return message(w.finish());
}

const hessianValue = (v: unknown) => new hessian.EncoderV2().write(v).get();

/** One gRPC message: not compressed, its length, its bytes. */
function message(body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(PREFIX_BYTES + body.length);
  out[0] = 0;
  out.writeUInt32BE(body.length, 1);
  out.set(body, PREFIX_BYTES);
  return out;
}

/** A request's arguments, read as Hessian values; throws TripleProtocolError for one that is not a request we take. */
export function decodeRequest(body: Uint8Array): { args: unknown[]; argTypes: string[] } {
  const wrapper = readWrapper(
    body,
    (w, field, r) => {
      if (field === 1) w.serializeType = r.string();
      else if (field === 2) w.args.push(r.bytes());
      else if (field === 3) w.argTypes.push(r.string());
      else return false;
      if (w.args.length > MAX_ARGS || w.argTypes.length > MAX_ARGS) throw new TripleProtocolError(`more than ${MAX_ARGS} arguments`);
      return true;
    },
    { serializeType: '', args: [], argTypes: [] } as RequestWrapper,
  );
  checkSerialization(wrapper.serializeType);
  return { args: wrapper.args.map(readHessian), argTypes: wrapper.argTypes };
}

/** A response's value (which is the exception itself when tri-exception-code says so). */
export function decodeResponse(body: Uint8Array): unknown {
  const wrapper = readWrapper(
    body,
    (w, field, r) => {
      if (field === 1) w.serializeType = r.string();
      else if (field === 2) w.data = r.bytes();
      else if (field === 3) w.type = r.string();
      else return false;
      return true;
    },
    { serializeType: '', data: new Uint8Array(), type: '' } as ResponseWrapper,
  );
  checkSerialization(wrapper.serializeType);
  return readHessian(wrapper.data);
}

function readWrapper<T>(body: Uint8Array, field: (w: T, no: number, r: BinaryReader) => boolean, into: T): T {
  try {
    const r = new BinaryReader(body);
    while (r.pos < r.len) {
      const [no, type] = r.tag();
      if (type !== WireType.LengthDelimited || !field(into, no, r)) r.skip(type, no);
    }
    return into;
  } catch (error) {
    throw error instanceof TripleProtocolError ? error : new TripleProtocolError(`not a Triple wrapper message: ${(error as Error).message}`);
  }
}

function checkSerialization(type: string): void {
  if (!HESSIANS.has(type))
    throw new TripleProtocolError(`serialization ${JSON.stringify(type.slice(0, 40))} is not served here (Hessian 2, "${HESSIAN}", is)`, 'not-served');
}

function readHessian(bytes: Uint8Array): unknown {
  try {
    return new hessian.DecoderV2(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).read();
  } catch (error) {
    throw new TripleProtocolError(`not a Hessian 2 value: ${(error as Error).message}`);
  }
}

/**
 * Collects the one message of a unary call's stream. The length its prefix declares is checked against the limit
 * before the body is buffered; a compressed message, or a second one, is refused.
 */
export class UnaryMessage {
  private chunks: Buffer[] = [];
  private have = 0;
  private expect = -1;

  constructor(private readonly maxMessageBytes: number) {}

  /** Takes a chunk of the stream's data; throws TripleProtocolError for a stream that is not one message we take. */
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.have += chunk.length;
    if (this.expect < 0 && this.have >= PREFIX_BYTES) {
      const head = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      if (head[0] !== 0) throw new TripleProtocolError('a compressed message (no grpc-encoding is served here)', 'not-served');
      const length = head.readUInt32BE(1);
      if (length > this.maxMessageBytes)
        throw new TripleProtocolError(`a message of ${length} bytes exceeds the limit of ${this.maxMessageBytes} bytes`, 'too-large');
      this.expect = PREFIX_BYTES + length;
    }
    if (this.expect >= 0 && this.have > this.expect) throw new TripleProtocolError('more than one message in a unary call');
  }

  /** The message's bytes once the stream has ended; throws for a stream that ended before its message did. */
  body(): Buffer {
    if (this.expect < 0 || this.have < this.expect) throw new TripleProtocolError(`the stream ended ${this.have} bytes into its message`);
    return Buffer.concat(this.chunks).subarray(PREFIX_BYTES);
  }
}
