// rpcx: the rpcx protocol (github.com/smallnest/rpcx) with its MessagePack codec, our client and our server, over one
// TCP connection with many calls in flight. The contract is service "RPCBench" with methods GetObj, SendObj and Fib,
// each taking one argument (GetObj an empty struct, as rpcx needs one) and answering one value, as a Go service
// declares them; an error is the text "Kind: message" (rpcx carries errors as text). Our server answers rpcx's Go
// client, and our client its Go server: test/interop-rpcx.test.ts, and the rpcx:go row, whose server is rpcx's own.
import net from 'node:net';
import { RemoteError, type Service, ServiceError } from './contract.ts';
import { hostPort, parseAddress } from './support/address.ts';
import { errorPayload } from './support/errors.ts';
import { type MessageCodec, messageCodec } from './support/msgpack.ts';
import { PendingCalls } from './support/pending.ts';
import { servePipelined } from './support/pipelined.ts';
import { ERROR_KEY, encodeReply, encodeRequest, MSGPACK, metadataValue, RpcxDecoder, type RpcxMessage } from './support/rpcx-protocol.ts';
import { closerFor, listen as listenOn } from './support/sockets.ts';
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

async function serve(listen: string, service: Service, options: ServerOptions): Promise<ServerHandle> {
  const { host, port } = hostPort(parseAddress(listen, ['rpcx:']));
  const server = net.createServer((socket) => serveConnection(socket, service, options));
  const close = closerFor(server);
  const bound = await listenOn(server, host, port);
  return { address: `rpcx://${host.includes(':') ? `[${host}]` : host}:${bound.port}`, close };
}

function serveConnection(socket: net.Socket, service: Service, options: ServerOptions): void {
  const decoder = new RpcxDecoder(options.maxMessageBytes);
  const mp = messageCodec(options.maxMessageBytes);
  servePipelined(socket, { push: (chunk) => decoder.push(chunk), handle: (m) => answer(m, service, mp) }, 'rpcx');
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
  const { host, port } = hostPort(parseAddress(address, ['rpcx:']));
  const socket = net.connect({ host, port, noDelay: true });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const pending = new PendingCalls<number>(options.timeoutMs);
  const decoder = new RpcxDecoder(options.maxMessageBytes);
  const mp = messageCodec(options.maxMessageBytes);
  let nextSeq = 0;
  let closedReason: Error | null = null;

  socket.on('data', (chunk: Buffer) => {
    try {
      for (const m of decoder.push(chunk)) settle(pending, m, mp);
    } catch (error) {
      socket.destroy(error as Error);
    }
  });
  socket.on('error', (error) => {
    closedReason ??= new Error(`rpcx connection to ${address} failed: ${error.message}`);
  });
  socket.on('close', () => {
    closedReason ??= new Error(`rpcx server at ${address} closed the connection`);
    pending.rejectAll(closedReason);
  });
  // the calls of one event-loop turn leave in one write, as tcp's do (the same measured reason)
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  return {
    call(method, args) {
      if (closedReason) return Promise.reject(closedReason);
      const seq = nextSeq++ >>> 0;
      if (!corked) {
        corked = true;
        socket.cork();
        process.nextTick(uncork);
      }
      socket.write(encodeRequest({ seq, servicePath: SERVICE, serviceMethod: rpcxName(method), payload: mp.encode(argument(args)) }));
      return pending.add(seq, method);
    },
    async close() {
      closedReason ??= new Error('client closed');
      pending.rejectAll(closedReason);
      socket.destroy();
    },
  };
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
