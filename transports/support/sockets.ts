// Closing a server for good: stop accepting, and destroy the connections it still has, since net.Server#close
// waits for every open connection to end by itself (a keep-alive client may never end it).
import type net from 'node:net';

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
