// A transport's codec timed in isolation with tinybench: what encoding and decoding one call costs, so a reader
// can see how a call's time divides into codec and wire/protocol, and tell a slow codec from a slow protocol.
import { Bench } from 'tinybench';
import type { CallSpec } from '../../transports/contract.ts';
import type { Codec } from '../../transports/transport.ts';
import { round3 } from '../report/trials.ts';
import type { CodecUsPerCall } from '../report/types.ts';

/** Median time of each of the four steps; `timeMs` is how long each is run (after as much again of warm-up). */
export async function measureCodec(codec: Codec | undefined, spec: CallSpec, timeMs: number): Promise<CodecUsPerCall | null> {
  if (!codec) return null;
  const request = codec.encodeRequest(spec.method, spec.args);
  const reply = codec.encodeReply(spec.method, spec.result);
  // a codec that does not round-trip the call would time the wrong work
  const problem = spec.check(codec.decodeReply(spec.method, reply));
  if (problem) throw new Error(`the codec does not round-trip ${spec.method}: ${problem}`);
  const bench = new Bench({ time: timeMs, warmupTime: timeMs });
  bench.add('encodeRequest', () => codec.encodeRequest(spec.method, spec.args));
  bench.add('decodeRequest', () => codec.decodeRequest(spec.method, request));
  bench.add('encodeReply', () => codec.encodeReply(spec.method, spec.result));
  bench.add('decodeReply', () => codec.decodeReply(spec.method, reply));
  await bench.run();
  // tinybench reports milliseconds; the median resists a GC pause landing in the samples
  const us = (name: string) => {
    const result = bench.getTask(name)?.result as { latency?: { p50: number } } | undefined;
    if (!result?.latency) throw new Error(`tinybench gave no timing for ${name}`);
    return result.latency.p50 * 1000;
  };
  return { client: round3(us('encodeRequest') + us('decodeReply')), server: round3(us('decodeRequest') + us('encodeReply')) };
}
