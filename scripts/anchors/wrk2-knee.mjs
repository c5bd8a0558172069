// The knee an independent generator finds: wrk2 (giltene/wrk2: constant rate, latency corrected for coordinated
// omission) against an HTTP server, at rates searched as rpcbench's capacity searches them: up by doubling until a
// rate fails, then bisected (geometrically) to PRECISION. A rate passes when wrk2 holds at least 97% of it with
// p99 under the objective; with --repeat N (default 3) wrk2 runs N times at each rate and the rate is judged on the
// median run, as rpcbench judges a capacity step on its median trial (one stall of the machine spoils one run, not
// the rate: the same rule for both generators, so that what differs is the generator). Build wrk2 from its source (github.com/giltene/wrk2, `make`, with Debian's libssl-dev and
// zlib1g-dev); nothing of it is in this repository.
// Usage: WRK2=/path/to/wrk node scripts/anchors/wrk2-knee.mjs URL [START] [--connections N] [--seconds S] [--repeat N] [--slo-ms MS]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    connections: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '5' },
    repeat: { type: 'string', default: '3' },
    'slo-ms': { type: 'string', default: '10' },
    precision: { type: 'string', default: '0.05' },
  },
});
const [url, startText = '2000'] = positionals;
const wrk = process.env.WRK2;
if (!url || !wrk) {
  console.error('usage: WRK2=/path/to/wrk2/wrk node scripts/anchors/wrk2-knee.mjs URL [START] [--connections 64] [--seconds 10] [--slo-ms 10]');
  process.exit(2);
}
const dir = mkdtempSync(path.join(tmpdir(), 'wrk2-'));
const lua = path.join(dir, 'post.lua');
writeFileSync(lua, 'wrk.method = "POST"\nwrk.body = "[]"\nwrk.headers["Content-Type"] = "application/json"\n');
const sloUs = Number(values['slo-ms']) * 1000;

/** One wrk2 run at `rate`: what it held and its p99 (µs). */
function once(rate) {
  const args = ['-t1', `-c${values.connections}`, `-d${values.seconds}s`, `-R${rate}`, '--latency', '-s', lua, url];
  const out = execFileSync(wrk, args, { encoding: 'utf8', timeout: (Number(values.seconds) + 60) * 1000 });
  const held = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const m = /^\s+99\.000%\s+([\d.]+)(us|ms|s)/m.exec(out);
  return { held, p99Us: m ? Number(m[1]) * { us: 1, ms: 1000, s: 1e6 }[m[2]] : Number.POSITIVE_INFINITY };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** A rate, judged on the median of its runs: it passes when wrk2 held 97% of it with p99 under the objective. */
function at(rate) {
  const runs = Array.from({ length: Number(values.repeat) }, () => once(rate));
  const [held, p99Us] = [median(runs.map((r) => r.held)), median(runs.map((r) => r.p99Us))];
  const pass = held >= 0.97 * rate && p99Us < sloUs;
  const each = runs.map((r) => `${(r.p99Us / 1000).toFixed(2)}`).join('/');
  console.log(`wrk2 at ${rate}/s: held ${held.toFixed(0)}/s, p99 ${(p99Us / 1000).toFixed(2)} ms (runs: ${each} ms): ${pass ? 'pass' : 'fail'}`);
  return pass;
}

const nice = (r) => Number(r.toPrecision(3));
let pass = null;
let fail = null;
for (let r = nice(Number(startText)); fail === null && r < 1e6; r = nice(r * 2)) at(r) ? (pass = r) : (fail = r);
for (let r = nice(fail / 2); pass === null && r >= 1; r = nice(r / 2)) at(r) ? (pass = r) : (fail = r);
while (pass !== null && fail !== null && fail / pass > 1 + Number(values.precision)) {
  const mid = nice(Math.sqrt(pass * fail));
  if (mid <= pass || mid >= fail) break;
  at(mid) ? (pass = mid) : (fail = mid);
}
console.log(`knee ${pass ?? 0} calls/s (first failure ${fail})`);
