// Latency statistics of the harness: values are recorded in nanoseconds (integers, as HDR histograms want) and
// reported in microseconds, because the harness floor (a call in the same process) is well under one microsecond.
// The histogram format itself belongs to the report (bench/report/histograms.ts).
export { decodeHistogram, encodeHistogram, type Histogram, latencyUs, newHistogram } from '../report/histograms.ts';
