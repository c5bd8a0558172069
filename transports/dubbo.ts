// dubbo: Apache Dubbo's own protocol with Hessian 2 serialization (support/dubbo-protocol.ts), our server and client,
// over one TCP connection with many calls in flight, matched by request id. The contract is the Java interface
// rpcbench.Contract: Map<String, Integer> getObj(), void sendObj(Map<String, Integer>), Object fib(Object) (Object,
// so that 2.5 is refused as the contract says rather than narrowed to 2 by Hessian). Errors are Java exceptions:
// ValueError is IllegalArgumentException. Our server also answers Dubbo's generic calls ($invoke, as gateways make
// them), $echo and heartbeats. Dubbo's Java consumer calls our server, and our client its provider:
// test/interop-dubbo.test.ts, and the dubbo:java row, whose server is Dubbo's own.
import { RemoteError, type Service } from './contract.ts';
import { hostPort, parseAddress } from './support/address.ts';
import {
  DubboDecoder,
  type DubboFrame,
  decodeInvocation,
  decodeResult,
  encodeHeartbeatReply,
  encodeInvocation,
  encodeResult,
  encodeStatus,
  HESSIAN2,
  type Invocation,
  type Outcome,
  STATUS,
} from './support/dubbo-protocol.ts';
import { errorPayload } from './support/errors.ts';
import { javaException, kindOfJava } from './support/java-exceptions.ts';
import { multiplexedClient } from './support/multiplexed.ts';
import type { PendingCalls } from './support/pending.ts';
import { listenPipelined } from './support/pipelined.ts';
import type { ClientHandle, ClientOptions, Codec, ServerHandle, ServerOptions, TransportImpl, Wire } from './transport.ts';

export const SERVICE = 'rpcbench.Contract';
/** The JVM descriptor of each method's parameters, as rpcbench.Contract declares them. */
const DESC: Record<string, string> = { getObj: '', sendObj: 'Ljava/util/Map;', fib: 'Ljava/lang/Object;' };
const descOf = (method: string, args: readonly unknown[]) => DESC[method] ?? args.map(() => 'Ljava/lang/Object;').join('');
const GENERIC = new Set(['$invoke', '$invokeAsync']);
export const RPC_EXCEPTION = 'org.apache.dubbo.rpc.RpcException';

const invocation = (method: string, args: unknown[]) => ({ service: SERVICE, version: null, method, desc: descOf(method, args), args });

/** Encodes and decodes Dubbo frames: what the harness times as this transport's codec. */
const dubboCodec: Codec = {
  encodeRequest: (method, args) => encodeInvocation(0, invocation(method, args)),
  decodeRequest: (_method, wire) => decodeInvocation(frames(wire)[0]!.body).args,
  encodeReply: (_method, result) => encodeResult(REPLY_TO, { value: result }),
  decodeReply: (_method, wire) => replyValue(decodeResult(frames(wire)[0]!)),
};
const frames = (wire: Wire) => new DubboDecoder(Number.MAX_SAFE_INTEGER).push(Buffer.from(typeof wire === 'string' ? Buffer.from(wire) : wire));
const REPLY_TO = { serialization: HESSIAN2, idBytes: Buffer.alloc(8) } as DubboFrame;

export const dubbo = { codec: dubboCodec, serve, connect } satisfies TransportImpl;

function serve(listen: string, service: Service, options: ServerOptions): Promise<ServerHandle> {
  return listenPipelined(listen, 'dubbo', () => {
    const decoder = new DubboDecoder(options.maxMessageBytes);
    return { push: (chunk) => decoder.push(chunk), handle: (f) => answer(f, service) };
  });
}

/** The reply to one frame, as Dubbo's provider makes it; none to a one-way call or to a reply. */
function answer(f: DubboFrame, service: Service): Buffer | null | Promise<Buffer | null> {
  if (!f.request) return null;
  if (f.event) return f.twoWay ? encodeHeartbeatReply(f) : null;
  const reply = (make: () => Buffer) => (f.twoWay ? make() : null);
  if (f.serialization !== HESSIAN2)
    return reply(() => encodeStatus(f, STATUS.badRequest, `serialization ${f.serialization} is not served here (Hessian 2, id 2, is)`));
  let inv: Invocation;
  try {
    inv = decodeInvocation(f.body);
  } catch (error) {
    return reply(() => encodeStatus(f, STATUS.badRequest, (error as Error).message));
  }
  if (inv.service !== SERVICE) return reply(() => encodeStatus(f, STATUS.serviceError, `Not found exported service: ${inv.service}`));
  const done = (outcome: Outcome) => reply(() => encodeResult(f, outcome));
  const fail = (error: unknown) => {
    const { kind, message } = errorPayload(error);
    // Dubbo's provider answers a method its interface lacks with a status, not an exception: the same words here
    if (kind === 'NameError') return reply(() => encodeStatus(f, STATUS.serviceError, `${RPC_EXCEPTION}: ${noSuchMethod(calledMethod(inv.method, inv.args))}`));
    return done({ exception: javaException(kind, message) });
  };
  try {
    const result = dubboCall(inv.method, inv.args, service);
    return result instanceof Promise ? result.then((value) => done({ value }), fail) : done({ value: result });
  } catch (error) {
    return fail(error);
  }
}

/** A call by its method, or by name through Dubbo's generic service ($invoke(method, types, args)): both protocols'. */
export function dubboCall(method: string, args: unknown[], service: Service): unknown {
  if (method === '$echo') return args[0];
  if (!GENERIC.has(method)) return service.handle(method, args);
  const [, , generic] = args;
  return service.handle(calledMethod(method, args), Array.isArray(generic) ? generic : []);
}

/** The contract's method a call names: its own, or the one a generic call names. */
export const calledMethod = (method: string, args: readonly unknown[]) => (GENERIC.has(method) ? String(args[0]) : method);
export const isGeneric = (method: string) => GENERIC.has(method);
/** Dubbo's provider's words for a method its interface lacks (an RpcException's message). */
export const noSuchMethod = (method: string) => `No such method ${method} in class interface ${SERVICE}`;

async function connect(address: string, options: ClientOptions): Promise<ClientHandle> {
  const decoder = new DubboDecoder(options.maxMessageBytes);
  return multiplexedClient('dubbo', address, hostPort(parseAddress(address, ['dubbo:'])), options, {
    push: (chunk) => decoder.push(chunk),
    request: (id, method, args) => encodeInvocation(id, invocation(method, args)),
    settle: (pending, f) => !f.request && !f.event && settle(pending, f),
  });
}

function settle(pending: PendingCalls<number>, f: DubboFrame): void {
  try {
    pending.resolve(f.id, replyValue(decodeResult(f)));
  } catch (error) {
    pending.reject(f.id, error as Error);
  }
}

/** A reply's value; throws its error as the contract's (a Java exception by its class, a status by its words). */
function replyValue(result: ReturnType<typeof decodeResult>): unknown {
  if (result.kind === 'value') return result.value;
  if (result.kind === 'exception') throw new RemoteError(/NoSuchMethod/.test(result.javaClass) ? 'NameError' : kindOfJava(result.javaClass), result.message);
  const unknown = /Not found exported service|Not found method|No such method/i.test(result.message);
  throw new RemoteError(unknown ? 'NameError' : `DubboStatus${result.status}`, result.message);
}
