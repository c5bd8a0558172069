// Apache Dubbo's own protocol, "dubbo" (org.apache.dubbo.remoting.exchange.codec.ExchangeCodec and
// org.apache.dubbo.rpc.protocol.dubbo.DubboCodec), with Hessian 2 serialization (id 2), as Dubbo 3 speaks it:
//   header   16 bytes: magic 0xdabb, flags (0x80 request, 0x40 two-way, 0x20 event, low 5 bits the serialization),
//            status (20 OK; 40-90 errors, whose body is the message), request id (int64 BE), body length (int32 BE)
//   request  Hessian values one after another: Dubbo's protocol version ("2.0.2"), the service's interface name, its
//            version, the method, the parameter types as a JVM descriptor ("Ljava/util/Map;"), the arguments, the
//            attachments (a map)
//   reply    a response type (int: 0 exception, 1 value, 2 null, 3-5 the same followed by attachments), the value or
//            the Java exception, the attachments
//   event    a heartbeat: a request with the event flag and a Hessian null, answered alike
// Dubbo's decoder takes any length up to its payload setting (8 MB by default); ours refuses a length over the run's
// limit from the header that declares it.
import hessian from 'hessian.js';
import { FrameSplitter } from './framing.ts';

export const HEADER_BYTES = 16;
const MAGIC = 0xdabb;
const FLAG_REQUEST = 0x80;
const FLAG_TWOWAY = 0x40;
const FLAG_EVENT = 0x20;
export const HESSIAN2 = 2;
export const STATUS = { ok: 20, badRequest: 40, serviceError: 70, serverError: 80 } as const;
/** What Dubbo 3 sends as its protocol version: the one from which replies carry attachments. */
export const DUBBO_VERSION = '2.0.2';
const RESPONSE = { exception: 0, value: 1, null: 2, exceptionWithAttachments: 3, valueWithAttachments: 4, nullWithAttachments: 5 } as const;
/** The longest parameter descriptor read, and the most arguments: the contract's calls take at most three (generic). */
const MAX_DESC_CHARS = 4096;
const MAX_ARGS = 16;

export class DubboProtocolError extends Error {}

export interface DubboFrame {
  request: boolean;
  twoWay: boolean;
  event: boolean;
  serialization: number;
  status: number;
  /** The low 32 bits of the request id (ours never go higher); a reply copies all 64 from `idBytes`. */
  id: number;
  idBytes: Buffer;
  body: Buffer;
}

export interface Invocation {
  service: string;
  version: string | null;
  method: string;
  /** The JVM descriptor of the parameter types, one per argument. */
  desc: string;
  args: unknown[];
  attachments: Record<string, unknown>;
}

function frame(flags: number, status: number, idBytes: Buffer, body: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt16BE(MAGIC, 0);
  header[2] = flags;
  header[3] = status;
  idBytes.copy(header, 4);
  header.writeUInt32BE(body.length, 12);
  return Buffer.concat([header, body]);
}

export function idBytes(id: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(id >>> 0, 4);
  return b;
}

function hessianValues(write: (e: InstanceType<typeof hessian.EncoderV2>) => void): Buffer {
  const encoder = new hessian.EncoderV2();
  write(encoder);
  return encoder.get();
}

/** A two-way call, as Dubbo's consumer writes one. */
export function encodeInvocation(id: number, inv: Omit<Invocation, 'attachments'> & { attachments?: Record<string, unknown> }): Buffer {
  const body = hessianValues((e) => {
    for (const s of [DUBBO_VERSION, inv.service, inv.version, inv.method, inv.desc]) e.write(s);
    for (const a of inv.args) e.write(a);
    e.write(inv.attachments ?? { path: inv.service, interface: inv.service });
  });
  return frame(FLAG_REQUEST | FLAG_TWOWAY | HESSIAN2, 0, idBytes(id), body);
}

/** A call's fields; throws DubboProtocolError for a body that is not one. */
export function decodeInvocation(body: Buffer): Invocation {
  try {
    const d = new hessian.DecoderV2(body);
    const [, service, version, method, desc] = [d.read(), d.read(), d.read(), d.read(), d.read()];
    if (typeof service !== 'string' || typeof method !== 'string' || typeof desc !== 'string' || (version !== null && typeof version !== 'string'))
      throw new DubboProtocolError('a call is version, service, service version, method, descriptor, arguments, attachments');
    const args = Array.from({ length: countParameters(desc) }, () => d.read());
    const attachments = d.position() < body.length ? d.read() : {};
    return {
      service,
      version,
      method,
      desc,
      args,
      attachments: attachments && typeof attachments === 'object' ? (attachments as Record<string, unknown>) : {},
    };
  } catch (error) {
    throw error instanceof DubboProtocolError ? error : new DubboProtocolError(`not a Dubbo call: ${(error as Error).message}`);
  }
}

/** How many parameters a JVM descriptor names ("I[Ljava/lang/String;J" is three). */
export function countParameters(desc: string): number {
  if (desc.length > MAX_DESC_CHARS) throw new DubboProtocolError(`a parameter descriptor of ${desc.length} characters`);
  let count = 0;
  for (let i = 0; i < desc.length; i++) {
    while (desc[i] === '[') i++;
    if (desc[i] === 'L') i = desc.indexOf(';', i);
    else if (!'ZBCSIJFD'.includes(desc[i] ?? '?')) i = -1;
    if (i < 0) throw new DubboProtocolError(`not a parameter descriptor: ${JSON.stringify(desc.slice(0, 60))}`);
    if (++count > MAX_ARGS) throw new DubboProtocolError(`more than ${MAX_ARGS} parameters`);
  }
  return count;
}

export type Outcome = { value: unknown } | { exception: { $class: string; $: Record<string, unknown> } };

/** The reply to a call, with attachments as Dubbo 3 answers a consumer of protocol 2.0.2 or later. */
export function encodeResult(call: DubboFrame, outcome: Outcome): Buffer {
  const attachments = { dubbo: DUBBO_VERSION };
  const body = hessianValues((e) => {
    if ('exception' in outcome) e.writeInt(RESPONSE.exceptionWithAttachments).write(outcome.exception);
    else if (outcome.value === null || outcome.value === undefined) e.writeInt(RESPONSE.nullWithAttachments);
    else e.writeInt(RESPONSE.valueWithAttachments).write(outcome.value);
    e.write(attachments);
  });
  return frame(call.serialization, STATUS.ok, call.idBytes, body);
}

/** A reply that is only a status and its message (a call that could not be read, a service that is not here). */
export function encodeStatus(call: DubboFrame, status: number, message: string): Buffer {
  return frame(
    call.serialization,
    status,
    call.idBytes,
    hessianValues((e) => e.write(message)),
  );
}

/** The answer to a heartbeat: an event reply with a null body. */
export function encodeHeartbeatReply(call: DubboFrame): Buffer {
  return frame(
    FLAG_EVENT | call.serialization,
    STATUS.ok,
    call.idBytes,
    hessianValues((e) => e.writeNull()),
  );
}

export type Result =
  | { kind: 'value'; value: unknown }
  | { kind: 'exception'; javaClass: string; message: string }
  | { kind: 'status'; status: number; message: string };

/** A reply's value, its Java exception, or its error status; throws DubboProtocolError for one that is not a reply. */
export function decodeResult(reply: DubboFrame): Result {
  try {
    const d = new hessian.DecoderV2(reply.body);
    if (reply.status !== STATUS.ok) return { kind: 'status', status: reply.status, message: String(d.read()) };
    const type = d.read();
    if (type === RESPONSE.null || type === RESPONSE.nullWithAttachments) return { kind: 'value', value: null };
    if (type === RESPONSE.value || type === RESPONSE.valueWithAttachments) return { kind: 'value', value: d.read() };
    if (type !== RESPONSE.exception && type !== RESPONSE.exceptionWithAttachments) throw new DubboProtocolError(`response type ${String(type)}`);
    const e = d.read() as { name?: string; message?: string } | null;
    return { kind: 'exception', javaClass: String(e?.name ?? 'java.lang.Throwable'), message: String(e?.message ?? '') };
  } catch (error) {
    throw error instanceof DubboProtocolError ? error : new DubboProtocolError(`not a Dubbo reply: ${(error as Error).message}`);
  }
}

/**
 * Cuts a byte stream into Dubbo frames. A body over `maxMessageBytes` is refused by the length its header declares,
 * before it is buffered; so is a stream that does not start with Dubbo's magic (Dubbo's telnet console is not served).
 */
export class DubboDecoder extends FrameSplitter<DubboFrame> {
  constructor(private readonly maxMessageBytes: number) {
    super();
  }

  protected frameEnd(bytes: Buffer, at: number): number {
    if (bytes.length - at < 2) return at + 2;
    if (bytes.readUInt16BE(at) !== MAGIC) throw new DubboProtocolError('not Dubbo: the stream does not start with its magic 0xdabb');
    if (bytes.length - at < HEADER_BYTES) return at + HEADER_BYTES;
    const length = bytes.readUInt32BE(at + 12);
    if (length > this.maxMessageBytes) throw new DubboProtocolError(`a body of ${length} bytes exceeds the limit of ${this.maxMessageBytes} bytes`);
    return at + HEADER_BYTES + length;
  }

  protected parse(bytes: Buffer, at: number, end: number): DubboFrame {
    return parse(bytes.subarray(at, end));
  }
}

function parse(bytes: Buffer): DubboFrame {
  const flags = bytes[2]!;
  return {
    request: (flags & FLAG_REQUEST) !== 0,
    twoWay: (flags & FLAG_TWOWAY) !== 0,
    event: (flags & FLAG_EVENT) !== 0,
    serialization: flags & 0x1f,
    status: bytes[3]!,
    id: bytes.readUInt32BE(8),
    idBytes: bytes.subarray(4, 12),
    body: bytes.subarray(HEADER_BYTES),
  };
}
