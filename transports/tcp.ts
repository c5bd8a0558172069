// tcp: raw TCP, length-prefixed MessagePack frames, many calls in flight on one connection
// matched by id. The wire floor: the least a real network transport can cost.
//   request  [id, method, args]
//   response [id, null, result] or [id, [kind, message], null]
import net from 'node:net';
import { type Decoder, Encoder } from '@msgpack/msgpack';
import { RemoteError, type Service } from './contract.ts';
import { hostPort, parseAddress } from './support/address.ts';
import { errorPayload } from './support/errors.ts';
import { encodeFrame, FrameDecoder } from './support/framing.ts';
import { messageDecoder } from './support/msgpack.ts';
import { PendingCalls } from './support/pending.ts';
import { closerFor, listen as listenOn } from './support/sockets.ts';
import { type ClientHandle, type ClientOptions, MEASURED, type ServerHandle, type ServerOptions, type Transport } from './transport.ts';

type Request = [number, string, unknown[]];
type Response = [number, [string, string] | null, unknown];

export const tcp: Transport = {
  name: 'tcp',
  summary: 'raw TCP, length-prefixed MessagePack, multiplexed (wire floor)',
  traits: { ...MEASURED, role: 'wire-floor' },
  defaultListen: 'tcp://127.0.0.1:0',
  serve,
  connect,
};

async function serve(listen: string, service: Service, options: ServerOptions): Promise<ServerHandle> {
  const { host, port } = hostPort(parseAddress(listen, ['tcp:']));
  const server = net.createServer((socket) => serveConnection(socket, service, options));
  const close = closerFor(server);
  const bound = await listenOn(server, host, port);
  return { address: `tcp://${host.includes(':') ? `[${host}]` : host}:${bound.port}`, close };
}

function serveConnection(socket: net.Socket, service: Service, options: ServerOptions): void {
  socket.setNoDelay(true);
  const frames = new FrameDecoder(options.maxMessageBytes);
  const decoder = messageDecoder(options.maxMessageBytes);
  const encoder = new Encoder();
  socket.on('error', () => {}); // a client that goes away is not the server's problem
  socket.on('data', (chunk) => {
    let bodies: Buffer[];
    try {
      bodies = frames.push(chunk);
    } catch (error) {
      console.error(`tcp: dropping connection from ${socket.remoteAddress}: ${(error as Error).message}`);
      return void socket.destroy();
    }
    for (const body of bodies) {
      void handleFrame(body, service, decoder).then((reply) => reply && !socket.destroyed && socket.write(encodeFrame(encoder.encode(reply))));
    }
  });
}

async function handleFrame(body: Buffer, service: Service, decoder: Decoder): Promise<Response | null> {
  let request: Request;
  try {
    request = decoder.decode(body) as Request;
    if (!Array.isArray(request) || typeof request[0] !== 'number' || typeof request[1] !== 'string') throw new Error('not [id, method, args]');
  } catch (error) {
    console.error(`tcp: dropping malformed frame: ${(error as Error).message}`);
    return null;
  }
  const [id, method, args] = request;
  try {
    return [id, null, await service.handle(method, Array.isArray(args) ? args : [])];
  } catch (error) {
    const { kind, message } = errorPayload(error);
    return [id, [kind, message], null];
  }
}

async function connect(address: string, options: ClientOptions): Promise<ClientHandle> {
  const { host, port } = hostPort(parseAddress(address, ['tcp:']));
  const socket = net.connect({ host, port, noDelay: true });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const pending = new PendingCalls<number>(options.timeoutMs);
  const frames = new FrameDecoder(options.maxMessageBytes);
  const decoder = messageDecoder(options.maxMessageBytes);
  const encoder = new Encoder();
  let nextId = 0;
  let closedReason: Error | null = null;

  socket.on('data', (chunk) => {
    try {
      for (const body of frames.push(chunk)) settle(pending, decoder.decode(body) as Response);
    } catch (error) {
      socket.destroy(error as Error);
    }
  });
  socket.on('error', (error) => (closedReason ??= new Error(`tcp connection to ${address} failed: ${error.message}`)));
  socket.on('close', () => {
    closedReason ??= new Error(`tcp server at ${address} closed the connection`);
    pending.rejectAll(closedReason);
  });

  return {
    call(method, args) {
      if (closedReason) return Promise.reject(closedReason);
      const id = nextId++ >>> 0;
      socket.write(encodeFrame(encoder.encode([id, method, args] satisfies Request)));
      return pending.add(id, method);
    },
    async close() {
      closedReason ??= new Error('client closed');
      pending.rejectAll(closedReason);
      socket.destroy();
    },
  };
}

function settle(pending: PendingCalls<number>, [id, error, result]: Response): void {
  if (error) pending.reject(id, new RemoteError(error[0], error[1]));
  else pending.resolve(id, result);
}
