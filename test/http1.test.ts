// The lean HTTP/1.1 client (transports/support/http1.ts) against raw servers that answer exactly as written: a body
// by content-length, by chunks (split anywhere), to the end of an HTTP/1.0 connection; keep-alive reuse; and the
// limits (a head or a body too large, a bad chunk size) refused with an error, never buffered.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, test } from 'node:test';
import { Http1Pool } from '../transports/support/http1.ts';

/** A server that answers each request with `reply(n)` (its n-th request), written in pieces of `piece` bytes. */
async function rawServer(reply: (n: number) => string, piece = 7): Promise<{ port: number; connections: () => number; close(): void }> {
  let n = 0;
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    let seen = '';
    socket.on('data', async (chunk) => {
      seen += chunk.toString('latin1');
      const end = seen.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/content-length: (\d+)/i.exec(seen)?.[1] ?? 0);
      if (seen.length < end + 4 + length) return;
      seen = '';
      const text = reply(n++);
      for (let i = 0; i < text.length; i += piece) {
        socket.write(text.slice(i, i + piece), 'latin1');
        await new Promise((r) => setImmediate(r));
      }
      if (/^HTTP\/1\.0/.test(text)) socket.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

const post = (pool: Http1Pool) => pool.post('/rpc/x', Buffer.from('[]'), 'application/json');

describe('the lean HTTP/1.1 client', () => {
  const closers: Array<() => void> = [];
  after(() => {
    for (const close of closers) close();
  });
  const serve = async (reply: (n: number) => string, piece?: number) => {
    const s = await rawServer(reply, piece);
    closers.push(s.close);
    return { s, pool: new Http1Pool('127.0.0.1', s.port, `127.0.0.1:${s.port}`, 1000) };
  };

  test('a body by content-length, in pieces, over one keep-alive connection for calls one after another', async () => {
    const { s, pool } = await serve((n) => `HTTP/1.1 200 OK\r\nContent-Length: ${`reply ${n}`.length}\r\n\r\nreply ${n}`);
    for (let i = 0; i < 3; i++) assert.deepEqual(await post(pool), { status: 200, body: Buffer.from(`reply ${i}`) });
    assert.equal(s.connections(), 1);
    pool.close();
  });

  test('a chunked body, split anywhere, with trailers', async () => {
    const { pool } = await serve(() => 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n', 3);
    assert.deepEqual(await post(pool), { status: 200, body: Buffer.from('hello world') });
    assert.deepEqual(await post(pool), { status: 200, body: Buffer.from('hello world') });
    pool.close();
  });

  test('an HTTP/1.0 reply without a length runs to the close, and the next call opens a new connection', async () => {
    const { s, pool } = await serve((n) => `HTTP/1.0 200 OK\r\nContent-Type: text/xml\r\n\r\n<r>${n}</r>`);
    assert.deepEqual(await post(pool), { status: 200, body: Buffer.from('<r>0</r>') });
    assert.deepEqual(await post(pool), { status: 200, body: Buffer.from('<r>1</r>') });
    assert.equal(s.connections(), 2);
    pool.close();
  });

  test('limits: a body over the limit (declared or chunked), a head over 64 kB, a bad chunk size: each refused with why', async () => {
    const big = await serve(() => 'HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n');
    await assert.rejects(post(big.pool), /reply of 5000 bytes exceeds the limit of 1000 bytes/);
    const chunks = await serve(() => `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${'3e8\r\n'}${'x'.repeat(1000)}\r\n3e8\r\n`);
    await assert.rejects(post(chunks.pool), /exceeds the limit of 1000 bytes/);
    const head = await serve(() => `HTTP/1.1 200 OK\r\nX-Big: ${'y'.repeat(70_000)}`, 4096);
    await assert.rejects(post(head.pool), /reply head over 65536 bytes/);
    const bad = await serve(() => 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n');
    await assert.rejects(post(bad.pool), /bad chunk size/);
    const notHttp = await serve(() => 'SSH-2.0-OpenSSH\r\n\r\n');
    await assert.rejects(post(notHttp.pool), /not an HTTP\/1 reply/);
    for (const x of [big, chunks, head, bad, notHttp]) x.pool.close();
  });
});
