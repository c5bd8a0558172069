// What the HTTP-based transports (http, xmlrpc) share: the server set-up and body reading with a size limit.
import http from 'node:http';
import type { ServerHandle } from '../transport.ts';
import { hostPort, parseAddress } from './address.ts';
import { closerFor, listen } from './sockets.ts';

export class BodyTooLargeError extends Error {
  constructor(limit: number) {
    super(`request body exceeds the limit of ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** A server drains (and discards) at most this many times the limit, so its 413 reaches the client; beyond, it resets. */
const DRAIN_FACTOR = 8;

/**
 * The body, or BodyTooLargeError past `maxBytes` (declared or, for a chunked body, counted), never buffering more.
 * `drain`: a server keeps reading (and dropping) an oversized body so that its 413 is read instead of a reset
 * connection (closing a socket with unread data sends RST), up to DRAIN_FACTOR x the limit. A client just stops.
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
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      over ||= size > maxBytes;
      if (!over) return void chunks.push(chunk);
      chunks.length = 0;
      if (!drain || size > DRAIN_FACTOR * maxBytes) {
        stream.destroy();
        reject(tooLarge());
      }
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

/**
 * One POST on a keep-alive agent, with a deadline for the whole exchange (not just an idle timeout: a server
 * that trickles bytes still fails on time) and a size limit on the reply body.
 */
export function post(
  agent: http.Agent,
  target: { host: string; port: number; path: string },
  body: string,
  contentType: string,
  limits: { timeoutMs: number; maxMessageBytes: number; onTimeout: () => Error },
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ ...target, agent, method: 'POST', headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body) } });
    const timer = setTimeout(() => req.destroy(limits.onTimeout()), limits.timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    req.on('error', fail);
    req.on('response', (res) => {
      readBody(res, limits.maxMessageBytes).then((buf) => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: buf });
      }, fail);
    });
    req.end(body);
  });
}
