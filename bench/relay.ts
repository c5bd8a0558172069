// A TCP relay that counts the bytes each way: how bytes on the wire per call are measured without
// touching any transport. It only ever runs in the separate, untimed wire pass.
import net from 'node:net';
import type { HostPort } from '../transports/support/address.ts';

export interface Relay {
  port: number;
  /** Bytes client->server and server->client since the last reset. */
  counts(): { request: number; response: number };
  reset(): void;
  close(): Promise<void>;
}

export async function startRelay(target: HostPort): Promise<Relay> {
  let request = 0;
  let response = 0;
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => (sockets.add(s), s.on('close', () => sockets.delete(s)), s.on('error', () => s.destroy()));
  const server = net.createServer((client) => {
    client.setNoDelay(true);
    const upstream = net.connect({ ...target, noDelay: true });
    track(client);
    track(upstream);
    client.on('data', (chunk) => ((request += chunk.length), upstream.write(chunk)));
    upstream.on('data', (chunk) => ((response += chunk.length), client.write(chunk)));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    counts: () => ({ request, response }),
    reset: () => void ((request = 0), (response = 0)),
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
