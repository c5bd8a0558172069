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
 * every string, binary, array and map length against the bytes left before it allocates (a hostile 4-GiB length
 * in a 5-byte message fails at once), and a nesting deep enough to exhaust the stack is a caught RangeError.
 */
export function messageCodec(maxBytes: number): MessageCodec {
  const encoder = new Encoder();
  // mapsAsObjects: maps decode to plain objects, as JSON's do; useRecords off: plain MessagePack, no msgpackr extension
  const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });
  return {
    encode: (value) => encoder.encode(value),
    decode(bytes) {
      if (bytes.length > maxBytes) throw new MessageError(`message of ${bytes.length} bytes exceeds the limit of ${maxBytes} bytes`);
      try {
        return unpackr.unpack(bytes);
      } catch (error) {
        throw new MessageError(`not MessagePack: ${(error as Error).message}`);
      }
    },
  };
}
