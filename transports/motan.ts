// motan: Weibo Motan's motan2 protocol with its simple serialization (support/motan-protocol.ts), our server and
// client, over one TCP connection with many calls in flight, matched by request id. The contract is the Java
// interface rpcbench.Contract: Map<String, Integer> getObj(), void sendObj(Map<String, Integer>), Object fib(Object).
// Motan carries an error as JSON in the M_e meta entry, with a type and a code but not the exception's class: a method
// that threw is a business error (ValueError, the only one the contract's methods throw), a method the service lacks
// is SERVICE_UNFOUND (NameError). Motan's Java client calls our server, and our client its provider:
// test/interop-motan.test.ts, and the motan:java row, whose server is Motan's own.
import { RemoteError, type Service } from './contract.ts';
import { hostPort, parseAddress } from './support/address.ts';
import { errorPayload } from './support/errors.ts';
import { decodeValues, ERROR_CODE, ERROR_TYPE, encodeFrame, encodeValues, META, MotanDecoder, type MotanFrame, SIMPLE } from './support/motan-protocol.ts';
import { multiplexedClient } from './support/multiplexed.ts';
import type { PendingCalls } from './support/pending.ts';
import { listenPipelined } from './support/pipelined.ts';
import type { ClientHandle, ClientOptions, Codec, ServerHandle, ServerOptions, TransportImpl, Wire } from './transport.ts';

export const SERVICE = 'rpcbench.Contract';
/** Each method's parameter types as Motan describes them (ReflectUtil.getMethodParamDesc): how its provider finds it. */
const DESC: Record<string, string> = { getObj: 'void', sendObj: 'java.util.Map', fib: 'java.lang.Object' };
const descOf = (method: string, args: readonly unknown[]) => DESC[method] ?? (args.length ? args.map(() => 'java.lang.Object').join(',') : 'void');
/** The words of Motan's provider before the message of an exception a method threw (MotanBizException). */
const BUSINESS = 'provider call process error, org err:';

const request = (id: number, method: string, args: unknown[]) =>
  encodeFrame({
    request: true,
    id,
    meta: [
      [META.path, SERVICE],
      [META.method, method],
      [META.desc, descOf(method, args)],
    ],
    body: args.length ? encodeValues(args) : undefined,
  });

/** Encodes and decodes motan2 frames: what the harness times as this transport's codec. */
const motanCodec: Codec = {
  encodeRequest: (method, args) => request(0, method, args),
  decodeRequest: (_method, wire) => decodeValues(frames(wire)[0]!.body),
  encodeReply: (_method, result) => encodeFrame({ request: false, id: 0, meta: [[META.processTime, '0']], body: encodeValues([result]) }),
  decodeReply: (_method, wire) => replyValue(frames(wire)[0]!),
};
const frames = (wire: Wire) => new MotanDecoder(Number.MAX_SAFE_INTEGER).push(Buffer.from(typeof wire === 'string' ? Buffer.from(wire) : wire));

export const motan = { codec: motanCodec, serve, connect } satisfies TransportImpl;

function serve(listen: string, service: Service, options: ServerOptions): Promise<ServerHandle> {
  return listenPipelined(listen, 'motan2', () => {
    const decoder = new MotanDecoder(options.maxMessageBytes);
    return { push: (chunk) => decoder.push(chunk), handle: (f) => answer(f, service) };
  });
}

/** The reply to one frame, as Motan's provider makes it; none to a one-way call or to a reply. */
function answer(f: MotanFrame, service: Service): Buffer | null | Promise<Buffer | null> {
  if (!f.request || f.oneway) return null;
  if (f.heartbeat) return encodeFrame({ request: false, heartbeat: true, id: f.idBytes });
  const fail = (type: number, code: number, message: string) =>
    encodeFrame({
      request: false,
      status: 1,
      serialization: f.serialization,
      id: f.idBytes,
      meta: [
        [META.processTime, '0'],
        [META.error, JSON.stringify({ errcode: code, errmsg: message, errtype: type })],
      ],
    });
  if (f.serialization !== SIMPLE)
    return fail(ERROR_TYPE.framework, ERROR_CODE.framework, `serialization ${f.serialization} is not served here (simple, 6, is)`);
  if (f.gzip) return fail(ERROR_TYPE.framework, ERROR_CODE.framework, 'a gzip body is not served here');
  const path = f.meta.get(META.path);
  const method = f.meta.get(META.method) ?? '';
  if (path !== SERVICE) return fail(ERROR_TYPE.service, ERROR_CODE.serviceUnfound, `provider not exist serviceKey=${path}`);
  const done = (value: unknown) =>
    encodeFrame({ request: false, serialization: f.serialization, id: f.idBytes, meta: [[META.processTime, '0']], body: encodeValues([value]) });
  const failed = (error: unknown) => {
    const { kind, message } = errorPayload(error);
    // Motan's provider answers a method its interface lacks as a service it cannot find, in its own words
    if (kind === 'NameError') {
      return fail(ERROR_TYPE.service, ERROR_CODE.serviceUnfound, `Service method not exist: ${SERVICE}.${method}(${f.meta.get(META.desc) ?? ''})`);
    }
    return fail(ERROR_TYPE.business, ERROR_CODE.business, BUSINESS + message);
  };
  let args: unknown[];
  try {
    args = decodeValues(f.body);
  } catch (error) {
    return fail(ERROR_TYPE.framework, ERROR_CODE.framework, `deserialize parameters fail: ${(error as Error).message}`);
  }
  try {
    const result = service.handle(method, args);
    return result instanceof Promise ? result.then(done, failed) : done(result);
  } catch (error) {
    return failed(error);
  }
}

async function connect(address: string, options: ClientOptions): Promise<ClientHandle> {
  const decoder = new MotanDecoder(options.maxMessageBytes);
  return multiplexedClient('motan', address, hostPort(parseAddress(address, ['motan2:'])), options, {
    push: (chunk) => decoder.push(chunk),
    request,
    settle: (pending, f) => !f.request && !f.heartbeat && settle(pending, f),
  });
}

function settle(pending: PendingCalls<number>, f: MotanFrame): void {
  try {
    pending.resolve(f.id, replyValue(f));
  } catch (error) {
    pending.reject(f.id, error as Error);
  }
}

/** A reply's value; throws its error as the contract's (by Motan's error type and code). */
function replyValue(f: MotanFrame): unknown {
  if (f.status === 0) return f.body.length ? decodeValues(f.body)[0] : null;
  const raw = f.meta.get(META.error) ?? '';
  const error = parseError(raw);
  if (!error) throw new RemoteError('MotanError', `an error the server described as ${JSON.stringify(raw.slice(0, 200))}`);
  const message = String(error.errmsg ?? '');
  if (error.errtype === ERROR_TYPE.business) throw new RemoteError('ValueError', message.startsWith(BUSINESS) ? message.slice(BUSINESS.length) : message);
  if (error.errcode === ERROR_CODE.serviceUnfound) throw new RemoteError('NameError', message);
  throw new RemoteError(`MotanError${error.errcode ?? ''}`, message);
}

function parseError(raw: string): { errtype?: unknown; errcode?: unknown; errmsg?: unknown } | null {
  try {
    const error = JSON.parse(raw) as unknown;
    return error !== null && typeof error === 'object' ? error : null;
  } catch {
    return null;
  }
}
