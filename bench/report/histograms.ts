// Latency histograms as the report saves them: HDR histograms of nanoseconds, compressed and base64-encoded the way
// hdr-histogram-js (and HdrHistogram in Java, Go, ...) writes and reads them, so distributions can be drawn and
// reports merged later.
import { inflateSync } from 'node:zlib';
import * as hdr from 'hdr-histogram-js';
import { BadInput } from './errors.ts';
import { round3 } from './trials.ts';
import type { LatencyUs, TrialResult } from './types.ts';

export type Histogram = hdr.Histogram;

export function newHistogram(): Histogram {
  // 3 significant digits: 0.1% resolution at any magnitude, up to 10 minutes.
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600e9, numberOfSignificantValueDigits: 3 });
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

/** A saved histogram that is not one (a hostile or damaged report): bad input, said in one line. */
export class HistogramError extends BadInput {}

/**
 * A saved histogram, checked before it is decoded: hdr-histogram-js trusts what it reads, and a 60-byte histogram
 * holding a zero run of -2^40 hung it for minutes, a payload length of 2^31 - 1 took 38 s, and bad base64, 99
 * significant digits or a lowest value above the highest ended in a stack trace (issue 32). So the base64, both
 * cookies, the lengths, the header's values and every count of the payload are checked here first.
 */
export function decodeHistogram(encoded: string): Histogram {
  checkEncoded(encoded);
  return hdr.decodeFromCompressedBase64(encoded);
}

const COMPRESSED_V2 = 0x1c849304;
const ENCODED_V2 = 0x1c849303;
/** More buckets than any histogram of ours has (3 digits up to 10 minutes: about 40,000). */
const MAX_BUCKETS = 2 ** 24;
const MAX_INFLATED = 64 * 2 ** 20;

function checkEncoded(encoded: string): void {
  const bad = (why: string) => new HistogramError(`a saved histogram is not one: ${why}`);
  const text = typeof encoded === 'string' ? encoded.trim() : '';
  if (!text || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) throw bad('not base64');
  const data = Buffer.from(text, 'base64');
  if (data.length < 8 || (data.readInt32BE(0) & ~0xf0) !== COMPRESSED_V2) throw bad('not a compressed V2 histogram');
  const compressed = data.readInt32BE(4);
  if (compressed < 0 || compressed > data.length - 8) throw bad(`its compressed length (${compressed}) is not its size`);
  let inner: Buffer;
  try {
    inner = inflateSync(data.subarray(8, 8 + compressed), { maxOutputLength: MAX_INFLATED });
  } catch (error) {
    throw bad(`its payload does not inflate (${(error as Error).message})`);
  }
  if (inner.length < 40 || (inner.readInt32BE(0) & ~0xf0) !== ENCODED_V2) throw bad('not a V2 histogram inside');
  const payload = inner.readInt32BE(4);
  const digits = inner.readInt32BE(12);
  const lowest = Number(inner.readBigInt64BE(16));
  const highest = Number(inner.readBigInt64BE(24));
  if (payload < 0 || payload > inner.length - 40) throw bad(`its payload length (${payload}) is not its size`);
  if (!(digits >= 0 && digits <= 5)) throw bad(`${digits} significant digits (0 to 5)`);
  if (!(lowest >= 1 && highest >= 2 * lowest && highest <= 2 ** 62)) throw bad(`its range (${lowest} to ${highest})`);
  checkCounts(inner.subarray(40, 40 + payload), bad);
}

/** The payload's counts (ZigZag LEB128; a negative one is a run of zero buckets): none negative past its run, none past the buckets. */
function checkCounts(payload: Buffer, bad: (why: string) => Error): void {
  let at = 0;
  let index = 0;
  while (at < payload.length) {
    let value = 0;
    let shift = 1;
    for (let i = 0; ; i++) {
      if (at >= payload.length || i > 8) throw bad('a count that does not end');
      const b = payload[at++]!;
      value += (b & 0x7f) * shift;
      shift *= 128;
      if (b < 0x80) break;
    }
    const count = value % 2 === 0 ? value / 2 : -(value + 1) / 2;
    index += count < 0 ? -count : 1;
    if (index > MAX_BUCKETS) throw bad(`counts past ${MAX_BUCKETS.toLocaleString('en-US')} buckets`);
  }
}

/** The trials' histograms added up: the distribution of every call of the cell; null when none was saved. */
export function mergedHistogram(trials: readonly TrialResult[]): Histogram | null {
  const saved = trials.filter((t) => t.histogram);
  if (!saved.length) return null;
  const merged = newHistogram();
  for (const t of saved) merged.add(decodeHistogram(t.histogram!));
  return merged;
}

export function latencyUs(h: Histogram): LatencyUs {
  if (h.totalCount === 0) return { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  const us = (ns: number) => round3(ns / 1000);
  // A percentile is the top of its HDR bucket, which can lie above the exact max; clamp so p99 <= max always.
  const pct = (p: number) => us(Math.min(h.getValueAtPercentile(p), h.maxValue));
  return { p50: pct(50), p90: pct(90), p99: pct(99), p999: pct(99.9), max: us(h.maxValue), mean: us(h.mean) };
}

/** Percentile points for an HDR percentile plot: [percentile, latency µs], up to the nines the count supports. */
export function percentilePoints(h: Histogram): Array<[number, number]> {
  const nines = Math.max(1, Math.floor(Math.log10(Math.max(10, h.totalCount))));
  const levels = [0, 25, 50, 75, 90];
  for (let n = 2; n <= nines; n++) levels.push(100 - 10 ** (2 - n), 100 - 5 * 10 ** (1 - n));
  return [...levels.filter((p) => p < 100), 100].map((p) => [p, round3(Math.min(h.getValueAtPercentile(p), h.maxValue) / 1000)]);
}
