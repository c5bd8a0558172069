// What the HTTP-based transports (http, xmlrpc, hessian) share: the server set-up, body reading with a size limit, and the client.
import http from 'node:http';
import { CallTimeoutError } from '../contract.ts';
import type { ClientHandle, ClientOptions, ServerHandle } from '../transport.ts';
import { hostPort, parseAddress } from './address.ts';
import { Http1Pool } from './http1.ts';
import { PendingCalls } from './pending.ts';
import { closerFor, listen } from './sockets.ts';

export class BodyTooLargeError extends Error {
  constructor(limit: number) {
    super(`request body exceeds the limit of ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/**
 * The body, or BodyTooLargeError past `maxBytes` (declared or, for a chunked body, counted), never buffering more.
 * `drain` (a server): the error comes at once, so the 413 is sent while the client is still sending, and the rest
 * of the body is read and dropped, however long, instead of closing the socket: closing it with unread data sends
 * a reset, which can destroy the 413 before the client reads it (a 50 MB body once got a reset at 37 MB). Memory
 * stays bounded; time is bounded by the server's requestTimeout. A client just stops.
 */
export function readBody(stream: http.IncomingMessage, maxBytes: number, drain = false): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = () => new BodyTooLargeError(maxBytes);
    let over = Number(stream.headers['content-length'] ?? 0) > maxBytes;
    if (over && !drain) {
      stream.destroy();
      return reject(tooLarge());
    }
    const chunks: Buffer[] = [];
    let size = 0;
    if (over) reject(tooLarge()); // draining: the 413 goes now, the body is dropped as it comes
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (over) return;
      over = size > maxBytes;
      if (!over) return void chunks.push(chunk);
      chunks.length = 0;
      reject(tooLarge());
      if (!drain) stream.destroy();
    });
    stream.on('end', () => (over ? reject(tooLarge()) : resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks))));
    stream.on('error', reject);
  });
}

/** An HTTP/1.1 server on `listen` (http://HOST:PORT) that `close` stops for good, keep-alive connections included. */
export async function serveHttp(listenAt: string, path: string, handler: http.RequestListener): Promise<ServerHandle> {
  const { host, port } = hostPort(parseAddress(listenAt, ['http:']));
  // keep-alive well beyond a trial, so a closed-loop client never pays a reconnect inside the timed interval
  const server = http.createServer({ keepAliveTimeout: 30_000 }, handler);
  const close = closerFor(server);
  const bound = await listen(server, host, port);
  return { address: `http://${host.includes(':') ? `[${host}]` : host}:${bound.port}${path}`, close };
}

export interface HttpReply {
  status: number;
  body: Buffer;
}

export interface HttpClient {
  /** One POST; rejects with CallTimeoutError at the deadline, or with why it failed. */
  post(path: string, body: string | Buffer, contentType: string, method: string): Promise<HttpReply>;
  close(): Promise<void>;
}

/**
 * The client of an RPC that POSTs one document per call to the address's path (XML-RPC, Hessian): `encode` writes
 * the call, `read` turns the HTTP reply into the call's value, or throws its error.
 */
export function documentClient(
  address: string,
  options: ClientOptions,
  contentType: string,
  encode: (method: string, args: unknown[]) => string | Buffer,
  read: (reply: HttpReply) => unknown,
): ClientHandle {
  const url = parseAddress(address, ['http:']);
  const client = httpClient(url, options);
  const path = url.pathname || '/';
  return {
    call: async (method, args) => read(await client.post(path, encode(method, args), contentType, method)),
    close: () => client.close(),
  };
}

/**
 * An HTTP/1.1 client on our lean keep-alive pool (http1.ts): as many connections as calls in flight, one call on
 * each at a time. Measured against what it replaced (undici's Pool, itself chosen over node:http's agent): see
 * http1.ts. Every call has its deadline (PendingCalls: one sweeping timer, not one a call); a call past it fails at
 * once, and its connection is dropped (its reply may still come, so the connection cannot carry another call).
 */
export function httpClient(url: URL, options: { timeoutMs: number; maxMessageBytes: number }): HttpClient {
  const { host, port } = hostPort(url, 80);
  const hostHeader = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const pool = new Http1Pool(host, port, hostHeader, options.maxMessageBytes);
  const pending = new PendingCalls<number>(options.timeoutMs);
  let nextId = 0;
  return {
    post(path, body, contentType, method) {
      const id = nextId++;
      let drop = () => {};
      const reply = pending.add(id, method) as Promise<HttpReply>;
      reply.catch((error) => error instanceof CallTimeoutError && drop());
      pool
        .post(path, typeof body === 'string' ? Buffer.from(body) : body, contentType, (destroy) => (drop = destroy))
        .then(
          (r) => pending.resolve(id, r),
          (error: Error) => pending.reject(id, error),
        );
      return reply;
    },
    async close() {
      pending.rejectAll(new Error('client closed'));
      pool.close();
    },
  };
}
