// The message format of the RPC-over-broker transports (redis, nats, mqtt), simple enough for a peer in any
// language (the README documents it; the Python peers in test/fixtures speak it):
//   request  {"method": "fib", "args": [20]}                 plus, where the broker has no place for them (Redis),
//            "id": "<unique>" and "reply_to": "<reply key>"
//   reply    {"result": 6765}  or  {"error": {"kind": "ValueError", "message": "..."}}, plus "id" where the request had one
// JSON, UTF-8. A message over the size limit or not of this shape is refused (the server drops it with a log line).
import type { Service } from '../contract.ts';
import { RemoteError } from '../contract.ts';
import type { Codec, Wire } from '../transport.ts';
import { errorPayload } from './errors.ts';

export interface RequestEnvelope {
  method: string;
  args: unknown[];
  id?: string;
  reply_to?: string;
}

export interface ReplyEnvelope {
  id?: string;
  result?: unknown;
  error?: { kind: string; message: string };
}

export class EnvelopeError extends Error {}

const text = (wire: Wire) => (typeof wire === 'string' ? wire : Buffer.from(wire.buffer, wire.byteOffset, wire.byteLength).toString('utf8'));

function parse(wire: Wire, maxBytes: number): Record<string, unknown> {
  const size = typeof wire === 'string' ? Buffer.byteLength(wire) : wire.byteLength;
  if (size > maxBytes) throw new EnvelopeError(`message of ${size} bytes exceeds the limit of ${maxBytes} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(text(wire));
  } catch (error) {
    throw new EnvelopeError(`not JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new EnvelopeError('not a JSON object');
  return value as Record<string, unknown>;
}

export function decodeRequest(wire: Wire, maxBytes: number): RequestEnvelope {
  const m = parse(wire, maxBytes);
  if (typeof m.method !== 'string' || !Array.isArray(m.args)) throw new EnvelopeError('a request is {"method": string, "args": [...]}');
  if (m.id !== undefined && typeof m.id !== 'string') throw new EnvelopeError('"id" must be a string');
  if (m.reply_to !== undefined && typeof m.reply_to !== 'string') throw new EnvelopeError('"reply_to" must be a string');
  return m as unknown as RequestEnvelope;
}

export function decodeReply(wire: Wire, maxBytes: number): ReplyEnvelope {
  const m = parse(wire, maxBytes);
  if (m.error !== undefined && (m.error === null || typeof m.error !== 'object')) throw new EnvelopeError('"error" must be {"kind", "message"}');
  return m as ReplyEnvelope;
}

export const encode = (value: RequestEnvelope | ReplyEnvelope): Buffer => Buffer.from(JSON.stringify(value));

/** A reply on the wire, never over `maxBytes` (the broker's limit or ours): one too large becomes an error reply
 *  saying so, which the caller can read, instead of a publish the broker refuses (or that kills the server). */
export function encodeReply(reply: ReplyEnvelope, maxBytes: number): Buffer {
  const wire = encode(reply);
  if (wire.byteLength <= maxBytes) return wire;
  const id = reply.id === undefined ? {} : { id: reply.id };
  return encode({ ...id, error: { kind: 'ValueError', message: `the reply of ${wire.byteLength} bytes exceeds the limit of ${maxBytes} bytes` } });
}

/** Runs a request on the service: its reply, the error one included (never a throw). */
export async function answer(service: Service, request: RequestEnvelope): Promise<ReplyEnvelope> {
  const id = request.id === undefined ? {} : { id: request.id };
  try {
    return { ...id, result: (await service.handle(request.method, request.args)) ?? null };
  } catch (error) {
    return { ...id, error: errorPayload(error) };
  }
}

/** A reply's value, or the RemoteError it carries. */
export function outcome(reply: ReplyEnvelope): { ok: true; value: unknown } | { ok: false; error: RemoteError } {
  if (reply.error) return { ok: false, error: new RemoteError(String(reply.error.kind), String(reply.error.message)) };
  return { ok: true, value: reply.result ?? null };
}

/** The codec of every broker transport: the envelope, id and reply_to included (what the Redis one carries). */
export const envelopeCodec: Codec = {
  encodeRequest: (method, args) => encode({ id: 'c1:1', method, args, reply_to: 'rpcbench:reply:c1' }),
  decodeRequest: (_method, wire) => decodeRequest(wire, Number.MAX_SAFE_INTEGER),
  encodeReply: (_method, result) => encode({ id: 'c1:1', result }),
  decodeReply: (_method, wire) => decodeReply(wire, Number.MAX_SAFE_INTEGER).result ?? null,
};
