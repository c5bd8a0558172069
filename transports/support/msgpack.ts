import { Decoder } from '@msgpack/msgpack';

/** A MessagePack decoder that refuses strings, binaries, arrays and maps beyond `maxBytes` (a hostile length field). */
export function messageDecoder(maxBytes: number): Decoder {
  return new Decoder({ maxStrLength: maxBytes, maxBinLength: maxBytes, maxArrayLength: maxBytes, maxMapLength: maxBytes });
}
