// rpcx: the rpcx protocol (github.com/smallnest/rpcx) with its MessagePack codec, our client and our server, over one
// TCP connection with many calls in flight. The contract is service "RPCBench" with methods GetObj, SendObj and Fib,
// each taking one argument (GetObj an empty struct, as rpcx needs one) and answering one value, as a Go service
// declares them; an error is the text "Kind: message" (rpcx carries errors as text). Our server answers rpcx's Go
// client, and our client its Go server: test/interop-rpcx.test.ts, and the rpcx:go row, whose server is rpcx's own.
import { RemoteError, type Service, ServiceError } from './contract.ts';
import { hostPort, parseAddress } from './support/address.ts';
import { errorPayload } from './support/errors.ts';
import { type MessageCodec, messageCodec } from './support/msgpack.ts';
import { multiplexedClient } from './support/multiplexed.ts';
import type { PendingCalls } from './support/pending.ts';
import { listenPipelined } from './support/pipelined.ts';
import { ERROR_KEY, encodeReply, encodeRequest, MSGPACK, metadataValue, RpcxDecoder, type RpcxMessage } from './support/rpcx-protocol.ts';
import type { ClientHandle, ClientOptions, Codec, ServerHandle, ServerOptions, TransportImpl, Wire } from './transport.ts';

export const SERVICE = 'RPCBench';
/** The contract's methods by their rpcx names: Go serves exported methods only, so the first letter is a capital. */
const METHODS: Record<string, string> = { GetObj: 'getObj', SendObj: 'sendObj', Fib: 'fib' };
const rpcxName = (method: string) => method.charAt(0).toUpperCase() + method.slice(1);
/** What GetObj takes: rpcx's Go client sends an empty struct, a map of no entries. */
const NO_ARGUMENT = {};

/** Encodes and decodes rpcx payloads: what the harness times as this transport's codec. */
function rpcxCodec(mp: MessageCodec): Codec {
  const bytes = (wire: Wire) => (typeof wire === 'string' ? Buffer.from(wire) : wire);
  return {
    encodeRequest: (method, args) => encodeRequest({ seq: 0, servicePath: SERVICE, serviceMethod: rpcxName(method), payload: mp.encode(argument(args)) }),
    decodeRequest: (_method, wire) => mp.decode(new RpcxDecoder(Number.MAX_SAFE_INTEGER).push(Buffer.from(bytes(wire)))[0]!.payload),
    encodeReply: (_method, result) => mp.encode(result),
    decodeReply: (_method, wire) => mp.decode(bytes(wire)),
  };
}

const argument = (args: readonly unknown[]) => (args.length === 0 ? NO_ARGUMENT : args[0]);

export const rpcx = { codec: rpcxCodec(messageCodec(Number.MAX_SAFE_INTEGER)), serve, connect } satisfies TransportImpl;

function serve(listen: string, service: Service, options: ServerOptions): Promise<ServerHandle> {
  return listenPipelined(listen, 'rpcx', () => {
    const decoder = new RpcxDecoder(options.maxMessageBytes);
    const mp = messageCodec(options.maxMessageBytes);
    return { push: (chunk) => decoder.push(chunk), handle: (m) => answer(m, service, mp) };
  });
}

/** The reply to one message, as rpcx's Go server makes it; none to a one-way call or to a reply. */
function answer(m: RpcxMessage, service: Service, mp: MessageCodec): Buffer | null | Promise<Buffer | null> {
  if (m.heartbeat) return encodeReply(m, m.payload); // rpcx echoes a heartbeat's payload
  if (m.response) return null;
  const reply = (payload: Uint8Array, error?: string) => (m.oneway ? null : encodeReply(m, payload, error));
  const fail = (error: unknown) => {
    const { kind, message } = errorPayload(error);
    return reply(new Uint8Array(0), `${kind}: ${message}`);
  };
  if (m.servicePath !== SERVICE) return reply(new Uint8Array(0), `rpcx: can't find service ${m.servicePath}`);
  const method = METHODS[m.serviceMethod];
  if (!method) return reply(new Uint8Array(0), `rpcx: can't find method ${m.serviceMethod}`);
  try {
    if (m.serialization !== MSGPACK) throw new ServiceError('TypeError', `serialization ${m.serialization} is not served here (MessagePack, ${MSGPACK}, is)`);
    const result = service.handle(method, [mp.decode(m.payload)]);
    return result instanceof Promise ? result.then((value) => reply(mp.encode(value)), fail) : reply(mp.encode(result));
  } catch (error) {
    return fail(error);
  }
}

async function connect(address: string, options: ClientOptions): Promise<ClientHandle> {
  const decoder = new RpcxDecoder(options.maxMessageBytes);
  const mp = messageCodec(options.maxMessageBytes);
  return multiplexedClient('rpcx', address, hostPort(parseAddress(address, ['rpcx:'])), options, {
    push: (chunk) => decoder.push(chunk),
    request: (seq, method, args) => encodeRequest({ seq, servicePath: SERVICE, serviceMethod: rpcxName(method), payload: mp.encode(argument(args)) }),
    settle: (pending, m) => settle(pending, m, mp),
  });
}

function settle(pending: PendingCalls<number>, m: RpcxMessage, mp: MessageCodec): void {
  if (!m.response || m.heartbeat) return;
  if (m.error) pending.reject(m.seq, remoteError(metadataValue(m.metadata, ERROR_KEY) ?? 'an error with no text'));
  else pending.resolve(m.seq, m.payload.length ? mp.decode(m.payload) : null);
}

/** rpcx's error text as a contract error: "Kind: message", or rpcx's own words for an unknown service or method. */
function remoteError(text: string): RemoteError {
  if (/^rpcx: can't find (method|service) /.test(text)) return new RemoteError('NameError', text);
  const m = /^([A-Za-z]\w*Error): ([\s\S]*)$/.exec(text);
  return m ? new RemoteError(m[1]!, m[2]!) : new RemoteError('RpcxError', text);
}
