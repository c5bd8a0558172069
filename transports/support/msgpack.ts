// MessagePack for tcp and zerorpc, chosen by measurement (tinybench, the 100-entry getObj reply, 1,096 bytes,
// Node 20 on the 2-vCPU CI machine; `node --import tsx scripts/codec-bench.ts` repeats it):
//   decode: @msgpack/msgpack 3.1 default 33-37 µs (its CachedKeyDecoder thrashes on 100 distinct keys),
//           with keyDecoder: null 14-15 µs, msgpackr 1.12 Unpackr 8.6-9.2 µs;  JSON.parse of the same: 2.6 µs.
//   encode: @msgpack/msgpack 6.8-7.0 µs, msgpackr 4.6-4.7 µs.
// Decoding uses msgpackr, the fastest. Encoding stays with @msgpack/msgpack: msgpackr writes integers beyond
// 32 bits as float64 and `undefined` as an extension, so its bytes are not what zerorpc-python's msgpack (or
// our earlier releases) wrote; @msgpack/msgpack writes the smallest spec type, byte for byte as before.
import { Encoder } from '@msgpack/msgpack';
import { Unpackr } from 'msgpackr';

/** Thrown for a message that is not valid MessagePack or is beyond the size limit; the caller drops it. */
export class MessageError extends Error {}

export interface MessageCodec {
  encode(value: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}

/**
 * A codec that refuses messages over `maxBytes`. Lengths inside a message cannot exceed it either: msgpackr checks
 * string and binary lengths against the bytes left (a hostile 4-GiB length in a 5-byte message fails at once), but it
 * makes an array of an array32's declared length before reading its elements (an 11-byte message declaring 27 million
 * elements took 211 MB and 226 ms; the fuzz test found it), so a message that holds an array32 or map32 header byte
 * is walked first (`checkCounts`). A nesting deep enough to exhaust the stack is a caught RangeError.
 */
export function messageCodec(maxBytes: number): MessageCodec {
  const encoder = new Encoder();
  // mapsAsObjects: maps decode to plain objects, as JSON's do; useRecords off: plain MessagePack, no msgpackr extension
  const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });
  return {
    encode: (value) => encoder.encode(value),
    decode(bytes) {
      if (bytes.length > maxBytes) throw new MessageError(`message of ${bytes.length} bytes exceeds the limit of ${maxBytes} bytes`);
      // 0xdd, 0xdf: array32 and map32, the only counts large enough to matter (16-bit ones make at most 64K slots)
      // Buffer's indexOf is native (memchr): 0.2 µs for both bytes of a 1 KB reply, Uint8Array.includes 1.5-2.2 µs
      const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (view.indexOf(0xdd) >= 0 || view.indexOf(0xdf) >= 0) checkCounts(bytes);
      try {
        return unpackr.unpack(bytes);
      } catch (error) {
        throw new MessageError(`not MessagePack: ${(error as Error).message}`);
      }
    },
  };
}

/** Bytes a MessagePack type byte is followed by before its payload: [length bytes, fixed payload bytes], for the types whose size is not in the byte itself. */
const SIZES: Record<number, [number, number]> = {
  196: [1, 0],
  197: [2, 0],
  198: [4, 0], // bin
  199: [1, 1],
  200: [2, 1],
  201: [4, 1], // ext: length, then the type
  202: [0, 4],
  203: [0, 8],
  204: [0, 1],
  205: [0, 2],
  206: [0, 4],
  207: [0, 8],
  208: [0, 1],
  209: [0, 2],
  210: [0, 4],
  211: [0, 8],
  212: [0, 2],
  213: [0, 3],
  214: [0, 5],
  215: [0, 9],
  216: [0, 17], // fixext: the type, then the data
  217: [1, 0],
  218: [2, 0],
  219: [4, 0], // str
};

/** Nesting the walk follows: far beyond any message of ours, and it keeps the walk's own stack small. */
const MAX_DEPTH = 512;

/**
 * Walks the first value of a MessagePack message without decoding it: every array's and map's declared count must fit
 * in the bytes left (each element takes one at least), and every length in the message. O(bytes), no allocation.
 */
export function checkCounts(b: Uint8Array): void {
  let at = 0;
  const uint = (n: number) => {
    if (at + n > b.length) throw new MessageError('not MessagePack: it ends inside a length');
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + b[at++]!;
    return v;
  };
  const open: number[] = [1]; // values still to read at each level
  while (open.length) {
    if (open[open.length - 1] === 0) {
      open.pop();
      continue;
    }
    open[open.length - 1]!--;
    if (at >= b.length) throw new MessageError('not MessagePack: it ends inside a value');
    const t = b[at++]!;
    let count = 0;
    if (t <= 0x7f || t >= 0xe0 || t === 0xc0 || t === 0xc2 || t === 0xc3) continue;
    if (t <= 0x8f) count = 2 * (t & 0x0f);
    else if (t <= 0x9f) count = t & 0x0f;
    else if (t <= 0xbf) at += t & 0x1f;
    else if (t === 0xdc || t === 0xdd) count = uint(t === 0xdc ? 2 : 4);
    else if (t === 0xde || t === 0xdf) count = 2 * uint(t === 0xde ? 2 : 4);
    else if (SIZES[t]) at += uint(SIZES[t]![0]) + SIZES[t]![1];
    else throw new MessageError(`not MessagePack: type byte 0x${t.toString(16)}`);
    if (at > b.length) throw new MessageError('not MessagePack: a value runs past the end');
    if (count > b.length - at) throw new MessageError(`not MessagePack: a container declares ${count} elements in ${b.length - at} bytes`);
    if (count) open.push(count);
    if (open.length > MAX_DEPTH) throw new MessageError(`not MessagePack we take: nested deeper than ${MAX_DEPTH}`);
  }
}
