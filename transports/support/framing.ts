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

export class FrameDecoder {
  private buffered: Buffer = Buffer.alloc(0);

  constructor(private readonly maxFrameBytes: number) {}

  /** Feeds a chunk and returns the whole frames it completes; throws FrameTooLargeError. */
  push(chunk: Buffer): Buffer[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const frames: Buffer[] = [];
    let offset = 0;
    while (this.buffered.length - offset >= 4) {
      const size = this.buffered.readUInt32BE(offset);
      if (size > this.maxFrameBytes) throw new FrameTooLargeError(size, this.maxFrameBytes);
      if (this.buffered.length - offset - 4 < size) break;
      frames.push(this.buffered.subarray(offset + 4, offset + 4 + size));
      offset += 4 + size;
    }
    this.buffered = offset === this.buffered.length ? Buffer.alloc(0) : this.buffered.subarray(offset);
    return frames;
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
