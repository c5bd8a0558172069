// FrameQueue and FrameDecoder (FrameSplitter, which the dubbo, motan and rpcx decoders are too) against the plain
// answer: whatever chunks a stream of frames comes in, and however pushes and takes interleave, the frames out are the
// frames sent, in order; FrameQueue's `bytes` is what is left.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { encodeFrame, FrameDecoder, FrameQueue, FrameTooLargeError } from '../transports/support/framing.ts';

test('FrameQueue: frames in any chunking come out whole and in order, and its byte count is what it holds', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 40 }),
      fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 20 }),
      fc.array(fc.boolean(), { maxLength: 60 }),
      (bodies, cuts, takes) => {
        const frames = bodies.map((b) => encodeFrame(b));
        const stream = Buffer.concat(frames);
        const queue = new FrameQueue();
        const out: Buffer[] = [];
        let at = 0;
        for (let i = 0; at < stream.length; i++) {
          const n = cuts[i % cuts.length]!;
          queue.push(stream.subarray(at, at + n));
          at += n;
          if (takes[i % Math.max(1, takes.length)]) for (let f = queue.shift(); f; f = queue.shift()) out.push(f);
          const taken = out.reduce((s, f) => s + f.length, 0);
          assert.equal(queue.bytes, Math.min(at, stream.length) - taken);
        }
        for (let f = queue.shift(); f; f = queue.shift()) out.push(f);
        assert.deepEqual(out, frames);
        assert.equal(queue.bytes, 0);
      },
    ),
    { numRuns: 500 },
  );
});

test('FrameQueue: a frame not yet whole is not taken; its declared size is known from its first 4 bytes', () => {
  const queue = new FrameQueue();
  const frame = encodeFrame(Buffer.from('hello'));
  queue.push(frame.subarray(0, 2));
  assert.equal(queue.nextSize(), null);
  queue.push(frame.subarray(2, 6));
  assert.equal(queue.nextSize(), 5);
  assert.equal(queue.shift(), null);
  queue.push(frame.subarray(6));
  assert.deepEqual(queue.shift(), frame);
  queue.push(Buffer.from([0xff, 0xff, 0xff, 0xff, 1]));
  assert.equal(queue.nextSize(), 0xffffffff);
  assert.deepEqual(queue.drain(), Buffer.from([0xff, 0xff, 0xff, 0xff, 1]));
  assert.equal(queue.bytes, 0);
});

test('FrameDecoder: frames in any chunking come out whole and in order, each once', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 40 }),
      fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 20 }),
      (bodies, cuts) => {
        const stream = Buffer.concat(bodies.map((b) => encodeFrame(b)));
        const decoder = new FrameDecoder(1000);
        const out: Buffer[] = [];
        for (let at = 0, i = 0; at < stream.length; at += cuts[i++ % cuts.length]!) out.push(...decoder.push(stream.subarray(at, at + cuts[i % cuts.length]!)));
        assert.deepEqual(
          out.map((b) => Buffer.from(b)),
          bodies.map((b) => Buffer.from(b)),
        );
      },
    ),
    { numRuns: 500 },
  );
});

test('FrameDecoder: a size over the limit is refused from the 4 bytes that declare it, before its body comes', () => {
  const decoder = new FrameDecoder(1000);
  assert.deepEqual(decoder.push(Buffer.from([0, 0])), []);
  assert.throws(() => decoder.push(Buffer.from([0x03, 0xe9])), FrameTooLargeError);
  // a frame at the limit, in 1-byte chunks, comes out once it is whole
  const frame = encodeFrame(Buffer.alloc(1000, 7));
  const whole = new FrameDecoder(1000);
  const out = [...frame].flatMap((b) => whole.push(Buffer.from([b])));
  assert.deepEqual(out, [Buffer.alloc(1000, 7)]);
});
