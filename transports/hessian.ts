// hessian: Caucho's Hessian binary RPC over HTTP POST, one call per request, as Java services speak it; values
// encoded by hessian.js. The envelopes of the Hessian 2.0 specification (http://hessian.caucho.com/doc/hessian-ws.html):
//   call    'H' 2 0 'C' method(string) argc(int) arg...        what our client sends
//   reply   'H' 2 0 'R' value
//   fault   'H' 2 0 'F' {code, message, detail}                detail: the Java exception itself
// Our server also reads the call that Caucho's HessianProxyFactory sends by default ('c' 2 0 'm' name arg... 'z',
// Hessian 1 framing and values with Hessian 2 replies). The contract maps to Java as Map<String,Integer> getObj(),
// void sendObj(Map<String,Integer>), int fib(int); errors as exceptions: ValueError is IllegalArgumentException,
// TypeError ClassCastException, an unknown method the fault code NoSuchMethodException (HessianSkeleton's own).
import type http from 'node:http';
import hessian from 'hessian.js';
import { RemoteError, type Service } from './contract.ts';
import { errorPayload } from './support/errors.ts';
import { BodyTooLargeError, documentClient, readBody, serveHttp } from './support/http.ts';
import { javaException, kindOfJava } from './support/java-exceptions.ts';
import type { ClientHandle, ClientOptions, Codec, ServerHandle, ServerOptions, TransportImpl, Wire } from './transport.ts';

const CONTENT_TYPE = 'x-application/hessian';
const V2 = Buffer.from([0x48, 0x02, 0x00]);
const NO_METHOD = 'NoSuchMethodException';
/** The contract's calls take at most one argument: a call claiming more is refused before its values are read. */
const MAX_ARGS = 16;

/** A Hessian message that cannot be read: the server answers it with a fault, the client fails the call. */
export class HessianError extends Error {}

const bytes = (wire: Wire) => (typeof wire === 'string' ? Buffer.from(wire) : Buffer.from(wire.buffer, wire.byteOffset, wire.byteLength));

function envelope(tag: string, ...values: unknown[]): Buffer {
  const encoder = new hessian.EncoderV2();
  for (const v of values) encoder.write(v);
  return Buffer.concat([V2, Buffer.from(tag), encoder.get()]);
}

/** The contract's integers as Hessian ints (Java's int), its objects as untyped maps (HashMap). */
export function encodeCall(method: string, args: unknown[]): Buffer {
  return envelope('C', method, args.length, ...args);
}

export function encodeReply(result: unknown): Buffer {
  return envelope('R', result ?? null);
}

/** A fault as HessianSkeleton writes one: the exception as its detail, so that a Java client throws it. */
export function encodeFault(kind: string, message: string): Buffer {
  if (kind === 'NameError') return envelope('F', { code: NO_METHOD, message, detail: null });
  return envelope('F', { code: 'ServiceException', message, detail: javaException(kind, message) });
}

/** A call, in either framing (see the top of this file); throws HessianError for anything else. */
export function decodeCall(body: Buffer): { method: string; args: unknown[]; version: 1 | 2 } {
  try {
    if (body[0] === 0x48 && body[1] === 2 && body[3] === 0x43) {
      const d = new hessian.DecoderV2(body.subarray(4));
      const method = d.read();
      const argc = d.read();
      if (typeof method !== 'string' || typeof argc !== 'number' || !Number.isInteger(argc) || argc < 0 || argc > MAX_ARGS)
        throw new HessianError('a call is C method argc args');
      return { method, args: Array.from({ length: argc }, () => d.read()), version: 2 };
    }
    if (body[0] === 0x63 && body[3] === 0x6d) return { ...decodeV1Call(body), version: body[1]! >= 2 ? 2 : 1 };
  } catch (error) {
    throw error instanceof HessianError ? error : new HessianError(`not a Hessian call: ${(error as Error).message}`);
  }
  throw new HessianError('not a Hessian call (it starts with neither H 2 0 C nor c x x m)');
}

/** 'c' major minor 'm' len16 name arg... 'z': the method name, then Hessian 1 values up to the 'z'. */
function decodeV1Call(body: Buffer): { method: string; args: unknown[] } {
  const length = body.readUInt16BE(4);
  const method = body.toString('utf8', 6, 6 + length);
  const d = new hessian.DecoderV1(body.subarray(6 + length));
  const args: unknown[] = [];
  while (d.position() < body.length - 6 - length && body[6 + length + d.position()] !== 0x7a) {
    if (args.length > MAX_ARGS) throw new HessianError('too many arguments');
    args.push(d.read());
  }
  return { method, args };
}

/** A reply's value, or the RemoteError its fault carries. */
export function decodeReply(body: Buffer): unknown {
  if (body.length < 4 || !body.subarray(0, 3).equals(V2)) throw new HessianError('a reply starts with H 2 0');
  const tag = body[3];
  const value = new hessian.DecoderV2(body.subarray(4)).read();
  if (tag === 0x52) return value;
  if (tag !== 0x46) throw new HessianError(`a reply is R or F, got 0x${tag?.toString(16)}`);
  throw faultError(value as Record<string, unknown>);
}

/** The fault as the contract's error: the Java exception's class (or the fault's code) and its message. */
function faultError(fault: Record<string, unknown>): RemoteError {
  const code = String(fault.code ?? 'Fault');
  const detail = fault.detail as { name?: string; message?: string } | null | undefined;
  if (code === NO_METHOD) return new RemoteError('NameError', String(fault.message ?? ''));
  const javaClass = detail?.name ?? code;
  const message = detail?.message ?? unescapeHtml(String(fault.message ?? ''));
  return new RemoteError(kindOfJava(javaClass), message);
}

/** HessianSkeleton escapes a fault's message as HTML (0 &lt;= n); its detail keeps the exception's own. */
const unescapeHtml = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

const hessianCodec: Codec = {
  encodeRequest: (method, args) => encodeCall(method, args),
  decodeRequest: (_method, wire) => decodeCall(bytes(wire)).args,
  encodeReply: (_method, result) => encodeReply(result),
  decodeReply: (_method, wire) => decodeReply(bytes(wire)),
};

export const hessianTransport = { codec: hessianCodec, serve, connect } satisfies TransportImpl;

function serve(listen: string, service: Service, options: ServerOptions): Promise<ServerHandle> {
  return serveHttp(listen, new URL(listen).pathname.replace(/^\/$/, ''), (req, res) => void handle(req, res, service, options));
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse, service: Service, options: ServerOptions): Promise<void> {
  if (req.method !== 'POST') return send(res, 405, encodeFault('NameError', 'Hessian calls are POSTed'));
  let body: Buffer;
  try {
    body = await readBody(req, options.maxMessageBytes, true);
  } catch (error) {
    const tooLarge = error instanceof BodyTooLargeError;
    return send(res, tooLarge ? 413 : 400, encodeFault('ValueError', (error as Error).message));
  }
  let call: ReturnType<typeof decodeCall>;
  try {
    call = decodeCall(body);
  } catch (error) {
    // HessianSkeleton answers what it cannot read with an HTTP error; the connection (and the server) go on
    return send(res, 400, encodeFault('ValueError', (error as Error).message));
  }
  try {
    send(res, 200, encodeReply(await service.handle(call.method, call.args)));
  } catch (error) {
    const { kind, message } = errorPayload(error);
    send(res, 200, encodeFault(kind, kind === 'NameError' ? `The service has no method named: ${call.method}` : message));
  }
}

function send(res: http.ServerResponse, status: number, body: Buffer): void {
  res.writeHead(status, { 'content-type': CONTENT_TYPE, 'content-length': body.length }).end(body);
}

async function connect(address: string, options: ClientOptions): Promise<ClientHandle> {
  return documentClient(address, options, CONTENT_TYPE, encodeCall, (reply) => {
    if (reply.status !== 200 && !reply.body.subarray(0, 3).equals(V2)) throw new Error(`Hessian server at ${address} answered HTTP ${reply.status}`);
    try {
      return decodeReply(reply.body);
    } catch (error) {
      if (error instanceof RemoteError) throw error;
      throw new Error(`Hessian server at ${address} sent what is not a Hessian reply: ${(error as Error).message}`);
    }
  });
}
