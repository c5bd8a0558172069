// Our servers' sockets: listening (the bind error as a rejection), a free port, and closing for good: stop accepting,
// and destroy the connections still open, since net.Server#close waits for each to end by itself (a keep-alive
// client may never end it).
import net from 'node:net';

/** Tracks the server's connections; the returned function closes the server and destroys them. */
export function closerFor(server: net.Server): () => Promise<void> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return () =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
}

/** Listens on host:port; rejects with the bind error (EADDRINUSE, EACCES, ...). */
export function listen(server: net.Server, host: string, port: number): Promise<net.AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject).listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as net.AddressInfo);
    });
  });
}

/**
 * A port free on 127.0.0.1 now, from the kernel's ephemeral range, for a program that cannot report the port it bound
 * (Dubbo's provider, given none, takes the first free from 20880: two started at once would both try 20880).
 */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  const { port } = await listen(server, '127.0.0.1', 0);
  await new Promise((resolve) => server.close(resolve));
  return port;
}
