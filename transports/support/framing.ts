// Length-prefixed frames (4-byte big-endian length, then the body) with a size limit,
// so a peer cannot make us buffer without bound.

export class FrameTooLargeError extends Error {
  constructor(size: number, limit: number) {
    super(`frame of ${size} bytes exceeds the limit of ${limit} bytes`);
    this.name = 'FrameTooLargeError';
  }
}

export function encodeFrame(body: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(4 + body.length);
  frame.writeUInt32BE(body.length, 0);
  frame.set(body, 4);
  return frame;
}

/**
 * Cuts a byte stream into a protocol's frames, given where a frame ends: `frameEnd(bytes, at)` returns the offset at
 * which the frame starting at `at` ends, or, while that is not known yet, the least length the bytes must reach
 * before it can say (a header's end, a length field's). Until then chunks are only kept, not joined, so that a large
 * frame arriving in many chunks is copied once, not once a chunk. `frameEnd` throws for a stream that cannot be read
 * on (a size over the limit, from the length that declares it; a wrong magic); the caller closes the connection.
 * FrameDecoder below, and the dubbo, motan and rpcx decoders, are this with their own `frameEnd` and `parse`.
 */
export abstract class FrameSplitter<T> {
  private readonly chunks: Buffer[] = [];
  private held = 0;
  /** Bytes to hold before `frameEnd` is asked again. */
  private needed = 0;

  protected abstract frameEnd(bytes: Buffer, at: number): number;
  /** The frame at bytes[at, end): given as offsets, so that a protocol that wants a part of it cuts one view, not two. */
  protected abstract parse(bytes: Buffer, at: number, end: number): T;

  /** Feeds a chunk and returns the whole frames it completes. */
  push(chunk: Buffer): T[] {
    this.held += chunk.length;
    if (this.held < this.needed) {
      this.chunks.push(chunk);
      return [];
    }
    const bytes = this.chunks.length === 0 ? chunk : Buffer.concat([...this.chunks, chunk], this.held);
    const frames: T[] = [];
    let at = 0;
    let end = this.frameEnd(bytes, at);
    while (end <= bytes.length) {
      frames.push(this.parse(bytes, at, end));
      at = end;
      end = this.frameEnd(bytes, at);
    }
    this.needed = end - at;
    this.chunks.length = 0;
    if (at < bytes.length) this.chunks.push(bytes.subarray(at));
    this.held = bytes.length - at;
    return frames;
  }
}

/** Frames of a 4-byte big-endian length and the body; the body is what comes out. */
export class FrameDecoder extends FrameSplitter<Buffer> {
  constructor(private readonly maxFrameBytes: number) {
    super();
  }

  protected frameEnd(bytes: Buffer, at: number): number {
    if (bytes.length - at < 4) return at + 4;
    const size = bytes.readUInt32BE(at);
    if (size > this.maxFrameBytes) throw new FrameTooLargeError(size, this.maxFrameBytes);
    return at + 4 + size;
  }

  protected parse(bytes: Buffer, at: number, end: number): Buffer {
    return bytes.subarray(at + 4, end);
  }
}

/**
 * Length-prefixed frames kept as the chunks they came in, and cut one at a time when asked for: a pipelining peer's
 * small frames cost their bytes, not an object each (a Buffer for each 23-byte thrift call cost about 140 bytes of
 * heap more: twenty clients that pipelined and never read held 200 MB of them).
 */
export class FrameQueue {
  private readonly chunks: Buffer[] = [];
  /** Bytes held, length prefixes included. */
  bytes = 0;

  push(chunk: Buffer): void {
    if (!chunk.length) return;
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }

  /** The length the next frame declares, or null before its 4 bytes are here. */
  nextSize(): number | null {
    return this.bytes < 4 ? null : this.peek(4).readUInt32BE(0);
  }

  /** The next whole frame, length prefix included, in a buffer of its own; or null while it is not all here. */
  shift(): Buffer | null {
    const size = this.nextSize();
    if (size === null || this.bytes < 4 + size) return null;
    const frame = Buffer.from(this.peek(4 + size));
    this.drop(4 + size);
    return frame;
  }

  /** Every byte held, in one buffer; the queue is empty after. */
  drain(): Buffer {
    const all = Buffer.concat(this.chunks, this.bytes);
    this.drop(this.bytes);
    return all;
  }

  private peek(n: number): Buffer {
    const first = this.chunks[0]!;
    return first.length >= n ? first.subarray(0, n) : Buffer.concat(this.chunks, n);
  }

  private drop(n: number): void {
    this.bytes -= n;
    while (n > 0) {
      const first = this.chunks[0]!;
      if (first.length > n) {
        this.chunks[0] = first.subarray(n);
        return;
      }
      n -= first.length;
      this.chunks.shift();
    }
  }
}
