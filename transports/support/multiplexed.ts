// A client of a protocol with many calls in flight on one TCP connection, matched by an id the client picks (tcp,
// rpcx, dubbo): one connection, one sweeping deadline for all calls, the calls of one event-loop turn in one write.
import net from 'node:net';
import type { ClientHandle, ClientOptions } from '../transport.ts';
import type { HostPort } from './address.ts';
import { PendingCalls } from './pending.ts';

export interface Multiplexed<Frame> {
  /** The whole frames a chunk completes; throws for a stream that cannot be read on (the connection is closed). */
  push(chunk: Buffer): Frame[];
  /** The bytes of call `id`. */
  request(id: number, method: string, args: unknown[]): Uint8Array;
  /** Settles the call a frame answers, through `pending`; ignores a frame that answers none (a heartbeat). */
  settle(pending: PendingCalls<number>, frame: Frame): void;
}

/** Connects to `at`; `name` says whose connection it is in errors ("rpcx connection to ... failed"). */
export async function multiplexedClient<Frame>(
  name: string,
  address: string,
  at: HostPort,
  options: ClientOptions,
  protocol: Multiplexed<Frame>,
): Promise<ClientHandle> {
  const socket = net.connect({ host: at.host, port: at.port, noDelay: true });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const pending = new PendingCalls<number>(options.timeoutMs);
  let nextId = 0;
  let closedReason: Error | null = null;

  socket.on('data', (chunk: Buffer) => {
    try {
      for (const frame of protocol.push(chunk)) protocol.settle(pending, frame);
    } catch (error) {
      socket.destroy(error as Error);
    }
  });
  socket.on('error', (error) => {
    closedReason ??= new Error(`${name} connection to ${address} failed: ${error.message}`);
  });
  socket.on('close', () => {
    closedReason ??= new Error(`${name} server at ${address} closed the connection`);
    pending.rejectAll(closedReason);
  });

  // The calls made in one tick leave in one write: the replies of a read come in together, and each starts the
  // next call. tcp's getObj at 16 in flight, 3 runs each way (`bench --transports tcp --concurrency 16 --duration 2s`):
  // 24,100-28,800 calls/s and 36-44 µs of client CPU a call with a write each, 27,600-33,700 and 30-37 µs corked.
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  return {
    call(method, args) {
      if (closedReason) return Promise.reject(closedReason);
      const id = nextId++ >>> 0;
      if (!corked) {
        corked = true;
        socket.cork();
        process.nextTick(uncork);
      }
      socket.write(protocol.request(id, method, args));
      return pending.add(id, method);
    },
    async close() {
      closedReason ??= new Error('client closed');
      pending.rejectAll(closedReason);
      socket.destroy();
    },
  };
}
