// A lean HTTP/1.1 client for one POST per call: keep-alive connections on plain sockets, one request per connection
// at a time (no pipelining, as browsers, wrk and undici's default), each request written with one write, each reply
// parsed in place: status line, the headers it needs (content-length, transfer-encoding, connection), then the body.
// Why not undici, which it replaced: undici's request() cost 95-103 µs of client CPU per getObj at 16 in flight here
// (its streams, its wasm parser, a writev per request), where wrk2 costs 38 µs a request on the same server; and in
// the open loop, where the client must stay out of what is measured, ours was the limit of http's capacity.
// Limits: a reply's head at most MAX_HEAD bytes, its body at most the client's maxMessageBytes, chunked or not.
import net from 'node:net';

/** A reply's status line and headers may take this many bytes; more is refused (no real server sends that much). */
const MAX_HEAD = 64 * 1024;
const CRLF2 = Buffer.from('\r\n\r\n');

export interface Http1Reply {
  status: number;
  body: Buffer;
}

interface Waiting {
  resolve(reply: Http1Reply): void;
  reject(error: Error): void;
}

/** One keep-alive connection, carrying one request at a time. */
class Connection {
  readonly socket: net.Socket;
  private waiting: Waiting | null = null;
  private reply: ReplyReader | null = null;
  dead = false;

  constructor(host: string, port: number, onFree: (c: Connection) => void, onDead: (c: Connection) => void) {
    this.socket = net.connect({ host, port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => this.data(chunk, onFree));
    const fail = (why: string) => {
      if (this.dead) return;
      this.dead = true;
      onDead(this);
      const w = this.waiting;
      this.waiting = null;
      // a reply read to its end by the close (HTTP/1.0, no length) is a reply, not a failure
      const done = this.reply?.endOfStream();
      if (w && done) w.resolve(done);
      else w?.reject(new Error(why));
    };
    this.socket.on('error', (e) => fail(e.message));
    this.socket.on('close', () => fail('other side closed'));
  }

  get busy(): boolean {
    return this.waiting !== null;
  }

  send(request: Buffer, maxBody: number, waiting: Waiting): void {
    this.waiting = waiting;
    this.reply = new ReplyReader(maxBody);
    this.socket.write(request);
  }

  /** Drops the connection (a call past its deadline: its reply may still come, and the socket cannot be reused). */
  destroy(): void {
    this.waiting = null;
    this.socket.destroy();
  }

  private data(chunk: Buffer, onFree: (c: Connection) => void): void {
    if (!this.reply || !this.waiting) return void this.socket.destroy(); // bytes nobody asked for
    let outcome: Http1Reply | null;
    try {
      outcome = this.reply.feed(chunk);
    } catch (error) {
      const w = this.waiting;
      this.waiting = null;
      this.socket.destroy();
      return void w.reject(error as Error);
    }
    if (!outcome) return;
    const w = this.waiting;
    this.waiting = null;
    const keep = this.reply.keepAlive;
    this.reply = null;
    if (keep) onFree(this);
    else this.socket.end();
    w.resolve(outcome);
  }
}

/** Reads one reply from its chunks: the head, then a body by content-length, by chunks, or to the end of the stream. */
class ReplyReader {
  private head: Buffer | null = null;
  private status = 0;
  private length: number | null = null;
  private chunked = false;
  keepAlive = true;
  private readonly parts: Buffer[] = [];
  private size = 0;
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly maxBody: number) {}

  /** Takes the bytes that came; the whole reply once it is complete, else null (more to come). */
  feed(chunk: Buffer): Http1Reply | null {
    if (!this.head) {
      this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
      const end = this.pending.indexOf(CRLF2);
      if (end < 0) {
        if (this.pending.length > MAX_HEAD) throw new Error(`reply head over ${MAX_HEAD} bytes`);
        return null;
      }
      this.head = this.pending.subarray(0, end);
      this.parseHead(this.head.toString('latin1'));
      chunk = this.pending.subarray(end + 4);
      this.pending = Buffer.alloc(0);
    }
    return this.chunked ? this.feedChunked(chunk) : this.feedPlain(chunk);
  }

  /** The stream ended: a reply without a length ends here. */
  endOfStream(): Http1Reply | null {
    return this.head && this.length === null && !this.chunked ? { status: this.status, body: Buffer.concat(this.parts) } : null;
  }

  private parseHead(text: string): void {
    const lines = text.split('\r\n');
    const m = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0]!);
    if (!m) throw new Error(`not an HTTP/1 reply: ${JSON.stringify(lines[0]!.slice(0, 40))}`);
    this.status = Number(m[2]);
    let connection = m[1] === '1' ? 'keep-alive' : 'close';
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') this.length = Number(value);
      else if (name === 'transfer-encoding') this.chunked = /chunked/i.test(value);
      else if (name === 'connection') connection = value.toLowerCase();
    }
    if (this.length !== null && !(Number.isSafeInteger(this.length) && this.length >= 0)) throw new Error('reply with a bad content-length');
    if (this.length !== null && this.length > this.maxBody) throw new Error(`reply of ${this.length} bytes exceeds the limit of ${this.maxBody} bytes`);
    // a reply with no length and no chunks runs to the end of the connection, which cannot then carry another
    this.keepAlive = connection !== 'close' && (this.length !== null || this.chunked);
  }

  private add(part: Buffer): void {
    this.size += part.length;
    if (this.size > this.maxBody) throw new Error(`reply of ${this.size} bytes exceeds the limit of ${this.maxBody} bytes`);
    this.parts.push(part);
  }

  private body(): Buffer {
    return this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
  }

  private feedPlain(chunk: Buffer): Http1Reply | null {
    if (this.length === null) {
      if (chunk.length) this.add(chunk);
      return null;
    }
    const need = this.length - this.size;
    if (chunk.length) this.add(chunk.subarray(0, need));
    return this.size >= this.length ? { status: this.status, body: this.body() } : null;
  }

  /** Chunked: "SIZE\r\nDATA\r\n" ... "0\r\n\r\n" (trailers, if any, are read and dropped). */
  private feedChunked(chunk: Buffer): Http1Reply | null {
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      const eol = buf.indexOf('\r\n');
      if (eol < 0) break;
      const size = Number.parseInt(buf.subarray(0, eol).toString('latin1'), 16);
      if (!Number.isSafeInteger(size) || size < 0) throw new Error('reply with a bad chunk size');
      if (size === 0) {
        const end = buf.indexOf(CRLF2, eol);
        if (end < 0 && buf.length > MAX_HEAD) throw new Error(`reply trailers over ${MAX_HEAD} bytes`);
        if (end < 0) break;
        return { status: this.status, body: this.body() };
      }
      if (this.size + size > this.maxBody) throw new Error(`reply of over ${this.maxBody} bytes exceeds the limit of ${this.maxBody} bytes`);
      if (buf.length < eol + 2 + size + 2) break;
      this.add(buf.subarray(eol + 2, eol + 2 + size));
      buf = buf.subarray(eol + 2 + size + 2);
    }
    if (buf.length > MAX_HEAD + this.maxBody) throw new Error('reply with a bad chunk');
    this.pending = buf;
    return null;
  }
}

/** Keep-alive connections to one origin, as many as calls in flight, the most recently used first. */
export class Http1Pool {
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();
  private closed = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly hostHeader: string,
    private readonly maxBody: number,
  ) {}

  /** POSTs `body` to `path`; `onConnection` is handed a way to drop its connection, for a call given up on. */
  post(path: string, body: Buffer, contentType: string, onConnection?: (destroy: () => void) => void): Promise<Http1Reply> {
    if (this.closed) return Promise.reject(new Error('client closed'));
    const conn = this.take();
    const head = `POST ${path} HTTP/1.1\r\nHost: ${this.hostHeader}\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`;
    const request = Buffer.allocUnsafe(Buffer.byteLength(head, 'latin1') + body.length);
    const at = request.write(head, 'latin1');
    body.copy(request, at);
    onConnection?.(() => conn.destroy());
    return new Promise((resolve, reject) => conn.send(request, this.maxBody, { resolve, reject }));
  }

  private take(): Connection {
    for (let c = this.idle.pop(); c; c = this.idle.pop()) if (!c.dead) return c;
    const conn = new Connection(
      this.host,
      this.port,
      (c) => (this.closed ? c.destroy() : this.idle.push(c)),
      (c) => this.all.delete(c),
    );
    this.all.add(conn);
    return conn;
  }

  close(): void {
    this.closed = true;
    for (const c of this.all) c.destroy();
    this.all.clear();
    this.idle.length = 0;
  }
}
