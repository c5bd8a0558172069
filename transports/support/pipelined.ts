// One connection of a server whose clients pipeline calls on it (tcp, rpcx): requests are handled in the order they
// came, and replies written as they are ready, with bounded memory whatever the client does.
import net from 'node:net';
import type { ServerHandle } from '../transport.ts';
import { hostPort, parseAddress } from './address.ts';
import { closerFor, listen as listenOn } from './sockets.ts';

/**
 * Calls of one connection being worked on at once (only long, sliced server work is ever in flight for long).
 * Beyond it, and while the socket's send buffer is full, the server stops reading that connection: a client that
 * pipelines requests and never reads its replies is held to one send buffer, not the server's whole memory.
 */
const MAX_IN_FLIGHT_PER_CONNECTION = 256;

export interface Pipeline<Frame> {
  /** The whole frames a chunk completes; throws for a stream that cannot be read on (the connection is dropped). */
  push(chunk: Buffer): Frame[];
  /** The bytes that answer a frame, or null for none; a promise only when the service works asynchronously. */
  handle(frame: Frame): Uint8Array | null | Promise<Uint8Array | null>;
}

/** Serves `socket` with `pipeline`; `name` prefixes the line logged when a connection is dropped. */
export function servePipelined<Frame>(socket: net.Socket, pipeline: Pipeline<Frame>, name: string): void {
  socket.setNoDelay(true);
  const queue: Frame[] = [];
  let inFlight = 0;
  let sendBufferFull = false;
  const reply = (bytes: Uint8Array | null) => {
    if (bytes && !socket.destroyed && !socket.write(bytes)) sendBufferFull = true;
  };
  // Works through the decoded requests while replies can be sent; pauses reading otherwise.
  const pump = () => {
    while (queue.length && !sendBufferFull && inFlight < MAX_IN_FLIGHT_PER_CONNECTION) {
      const answer = pipeline.handle(queue.shift()!);
      if (!(answer instanceof Promise)) reply(answer);
      else {
        inFlight++;
        void answer.then((bytes) => {
          inFlight--;
          reply(bytes);
          pump();
        });
      }
    }
    const busy = queue.length > 0 || sendBufferFull || inFlight >= MAX_IN_FLIGHT_PER_CONNECTION;
    if (busy !== socket.isPaused()) busy ? socket.pause() : socket.resume();
  };
  socket.on('error', () => {}); // a client that goes away is not the server's problem
  socket.on('drain', () => {
    sendBufferFull = false;
    pump();
  });
  socket.on('data', (chunk: Buffer) => {
    try {
      queue.push(...pipeline.push(chunk));
    } catch (error) {
      console.error(`${name}: dropping connection from ${socket.remoteAddress}: ${(error as Error).message}`);
      return void socket.destroy();
    }
    pump();
  });
}

/**
 * A server at `listen` (SCHEME://HOST:PORT, port 0 for any) that serves each connection with the pipeline `connection`
 * makes for it; its address names the port it got.
 */
export async function listenPipelined<Frame>(listen: string, scheme: string, connection: () => Pipeline<Frame>): Promise<ServerHandle> {
  const { host, port } = hostPort(parseAddress(listen, [`${scheme}:`]));
  const server = net.createServer((socket) => servePipelined(socket, connection(), scheme));
  const close = closerFor(server);
  const bound = await listenOn(server, host, port);
  return { address: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${bound.port}`, close };
}
