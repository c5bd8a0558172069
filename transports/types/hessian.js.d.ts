// The part of hessian.js (which ships no types) that transports/hessian.ts and support/dubbo-protocol.ts use.
declare module 'hessian.js' {
  class Encoder {
    write(value: unknown): this;
    writeInt(value: number): this;
    writeNull(): this;
    get(): Buffer;
  }
  class Decoder {
    constructor(buf: Buffer);
    read(withType?: boolean): unknown;
    position(): number;
    position(at: number): this;
  }
  const hessian: { EncoderV2: typeof Encoder; DecoderV2: typeof Decoder; DecoderV1: typeof Decoder };
  export default hessian;
}
