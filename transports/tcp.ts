// tcp: raw TCP, length-prefixed MessagePack frames, many calls in flight on one connection
// matched by id. The wire floor: the least a real network transport can cost.
//   request  [id, method, args]
//   response [id, null, result] or [id, [kind, message], null]
import { RemoteError, type Service } from './contract.ts';
import { hostPort, parseAddress } from './support/address.ts';
import { errorPayload } from './support/errors.ts';
import { encodeFrame, FrameDecoder } from './support/framing.ts';
import { type MessageCodec, messageCodec } from './support/msgpack.ts';
import { multiplexedClient } from './support/multiplexed.ts';
import type { PendingCalls } from './support/pending.ts';
import { listenPipelined } from './support/pipelined.ts';
import type { ClientHandle, ClientOptions, Codec, ServerHandle, ServerOptions, TransportImpl, Wire } from './transport.ts';

type Request = [number, string, unknown[]];
type Response = [number, [string, string] | null, unknown];

/** Encodes and decodes tcp messages: what the harness times as this transport's codec. */
function tcpCodec(mp: MessageCodec): Codec {
  const bytes = (wire: Wire) => (typeof wire === 'string' ? Buffer.from(wire) : wire);
  return {
    encodeRequest: (method, args) => mp.encode([0, method, args] satisfies Request),
    decodeRequest: (_method, wire) => mp.decode(bytes(wire)),
    encodeReply: (_method, result) => mp.encode([0, null, result] satisfies Response),
    decodeReply: (_method, wire) => (mp.decode(bytes(wire)) as Response)[2],
  };
}

export const tcp = { codec: tcpCodec(messageCodec(Number.MAX_SAFE_INTEGER)), serve, connect } satisfies TransportImpl;

function serve(listen: string, service: Service, options: ServerOptions): Promise<ServerHandle> {
  return listenPipelined(listen, 'tcp', () => {
    const frames = new FrameDecoder(options.maxMessageBytes);
    const mp = messageCodec(options.maxMessageBytes);
    const encode = (response: Response | null) => response && encodeFrame(mp.encode(response));
    return {
      push: (chunk) => frames.push(chunk),
      handle(frame) {
        const answer = handleFrame(frame, service, mp);
        return answer instanceof Promise ? answer.then(encode) : encode(answer);
      },
    };
  });
}

/** The reply to one request frame; a promise only when the service works asynchronously (long server work). */
function handleFrame(body: Buffer, service: Service, mp: MessageCodec): Response | null | Promise<Response | null> {
  let request: Request;
  try {
    request = mp.decode(body) as Request;
    if (!Array.isArray(request) || typeof request[0] !== 'number' || typeof request[1] !== 'string') throw new Error('not [id, method, args]');
  } catch (error) {
    console.error(`tcp: dropping malformed frame: ${(error as Error).message}`);
    return null;
  }
  const [id, method, args] = request;
  const fail = (error: unknown): Response => {
    const { kind, message } = errorPayload(error);
    return [id, [kind, message], null];
  };
  try {
    const result = service.handle(method, Array.isArray(args) ? args : []);
    return result instanceof Promise ? result.then((value): Response => [id, null, value], fail) : [id, null, result];
  } catch (error) {
    return fail(error);
  }
}

async function connect(address: string, options: ClientOptions): Promise<ClientHandle> {
  const frames = new FrameDecoder(options.maxMessageBytes);
  const mp = messageCodec(options.maxMessageBytes);
  return multiplexedClient('tcp', address, hostPort(parseAddress(address, ['tcp:'])), options, {
    push: (chunk) => frames.push(chunk),
    request: (id, method, args) => encodeFrame(mp.encode([id, method, args] satisfies Request)),
    settle: (pending, body) => settle(pending, mp.decode(body) as Response),
  });
}

function settle(pending: PendingCalls<number>, response: Response): void {
  if (!Array.isArray(response)) throw new Error('a reply is [id, error, result]');
  const [id, error, result] = response;
  if (error) pending.reject(id, new RemoteError(String(error[0]), String(error[1])));
  else pending.resolve(id, result);
}
