// The regression gate: `npm run compare` on reports whose trials we control, so each verdict is known in advance.
// The reports are synthetic but schema-valid (checked below), shaped like a quick run's.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { AUTO_REFERENCE, DEFAULT_CONFIG, loadConfig } from '../bench/gate/config.ts';
import { mannWhitneyGreater } from '../bench/gate/mann-whitney.ts';
import { holm } from '../bench/gate/verdicts.ts';
import { trialSpread } from '../bench/report/trials.ts';
import { type CallName, type CellResult, type Report, SCHEMA_VERSION, type ScenarioName, type TrialResult } from '../bench/report/types.ts';
import { reportProblems } from '../bench/report/validate.ts';
import { findTransport } from '../transports/registry.ts';
import { fixture, runCli, tempDir } from './helpers.ts';

const dir = tempDir('rpcbench-compare-');
const TRANSPORTS = ['tcp', 'http', 'zerorpc'];
const CELLS: Array<[CallName, ScenarioName, number]> = [
  ['getObj', 'latency', 1],
  ['getObj', 'throughput', 16],
  ['fib', 'latency', 1],
  ['fib', 'throughput', 16],
];

/** Deterministic jitter in [-1, 1) (mulberry32: nearby seeds give unrelated streams), so the tests see the same "noise" every time. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * 2 - 1;
  };
}

interface Shape {
  trials?: number;
  seed?: number;
  /** Relative noise per trial, e.g. 0.03 for +-3%. */
  noise?: number;
  /** Relative noise per transport for the whole run (where its server process landed, say), e.g. 0.2. */
  runNoise?: number;
  /** Latency (and CPU) multiplier per cell key prefix; calls/s is divided by it. */
  slowdown?: (transport: string, call: string, scenario: string) => number;
  bytes?: number;
  /** Multipliers of single metrics of a transport (p50, calls/s and CPU otherwise follow `slowdown`). */
  only?: (transport: string) => { p99?: number; cpu?: number; callsPerSec?: number };
}

function trial(base: number, factor: number, jitter: number, only: ReturnType<NonNullable<Shape['only']>> = {}): TrialResult {
  const p50 = base * factor * (1 + jitter);
  const p99 = p50 * 2 * (only.p99 ?? 1);
  const latencyUs = { p50, p90: p50 * 1.3, p99, p999: p99 * 1.5, max: p99 * 2, mean: p50 * 1.1 };
  return {
    startedAtMs: 1_700_000_000_000,
    calls: 1000,
    errors: 0,
    timeouts: 0,
    dropped: 0,
    durationSec: 0.1,
    callsPerSec: 1e6 / p50 / (only.callsPerSec ?? 1),
    latencyUs,
    cpuUsPerCall: { client: (p50 / 2) * (only.cpu ?? 1), server: (p50 / 3) * (only.cpu ?? 1) },
    client: { cpuCores: 0.5, loopUtilization: 0.5 },
    clientBound: false,
    histogram: null,
  };
}

function makeReport(shape: Shape = {}): Report {
  const next = rng(shape.seed ?? 1);
  const results: CellResult[] = [];
  for (const [ti, transport] of TRANSPORTS.entries()) {
    const runFactor = 1 + (shape.runNoise ?? 0) * next();
    for (const [call, scenario, concurrency] of CELLS) {
      const factor = (shape.slowdown?.(transport, call, scenario) ?? 1) * runFactor;
      const trials = Array.from({ length: shape.trials ?? 9 }, () => trial(200 + 100 * ti, factor, (shape.noise ?? 0.03) * next(), shape.only?.(transport)));
      const mid = [...trials].sort((a, b) => a.latencyUs.p50 - b.latencyUs.p50)[trials.length >> 1]!;
      results.push({
        transport,
        call,
        scenario,
        concurrency,
        ratePerSec: null,
        payloadEntries: 100,
        latencyUs: mid.latencyUs,
        callsPerSec: mid.callsPerSec,
        cpuUsPerCall: mid.cpuUsPerCall,
        bytesPerCall: { request: shape.bytes ?? 100, response: 1000 },
        payloadBytes: { request: 4, response: 1483 },
        calls: 1000 * trials.length,
        errors: 0,
        timeouts: 0,
        dropped: 0,
        errorReasons: [],
        codecUsPerCall: null,
        clientBound: false,
        warmup: { sec: 0.2, steady: true },
        ...trialSpread(trials),
        outcome: null,
        trials,
      });
    }
  }
  const options = {
    transports: TRANSPORTS,
    calls: ['getObj', 'fib'] as CallName[],
    scenarios: ['latency', 'throughput'] as ScenarioName[],
    concurrency: [16],
    durationSec: 0.1,
    warmupSec: 0.05,
    clientWorkers: 1,
    trials: shape.trials ?? 9,
    payloadEntries: [100],
    serverWorkUs: 0,
    fibN: 20,
    timeoutMs: 10000,
    quick: true,
    targets: {},
    settings: {},
  };
  const meta = {
    date: '2026-11-24T00:00:00.000Z',
    tool: { name: 'rpcbench', version: '0.1.0' },
    node: 'v20',
    os: { platform: 'linux', release: '6', arch: 'x64' },
    cpu: { model: 'test', count: 2 },
    gitCommit: null,
    durationSec: 20,
    options,
    transports: Object.fromEntries(
      options.transports.map((name) => {
        const t = findTransport(name)!;
        return [name, { summary: t.summary, group: t.traits.group ?? null, role: t.traits.role, charted: t.traits.charted, target: false }];
      }),
    ),
  };
  return { schemaVersion: SCHEMA_VERSION, meta, results, skipped: [] };
}

let files = 0;
function save(value: unknown, name = `r${files++}.json`): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

// run from a scratch directory: the repository's own config (package.json "rpcbench") must not decide these tests;
// the verdict tests read the markdown (every cell), so they ask for it on stdout
const compareTerminal = (...args: string[]) => runCli('compare.ts', args, 60_000, {}, dir);
const compare = (...args: string[]) => compareTerminal(...args, '--markdown', '-');

function assertBadInput(r: ReturnType<typeof compare>, pattern: RegExp): void {
  assert.equal(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stderr, pattern);
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line, no stack trace: ${r.stderr}`);
}

describe('compare: verdicts', () => {
  test('the synthetic reports are valid reports', () => {
    assert.deepEqual(reportProblems(makeReport()), []);
  });

  test('identical reports pass', () => {
    const file = save(makeReport());
    const r = compare(file, file);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\*\*No regression\.\*\*/);
    assert.match(r.stdout, /Mode: \*\*absolute\*\*/);
  });

  test('noise of +-5% per trial in two independent runs passes', () => {
    for (const seed of [2, 3, 4, 5]) {
      const r = compare(save(makeReport({ seed, noise: 0.05 })), save(makeReport({ seed: seed + 100, noise: 0.05 })));
      assert.equal(r.status, 0, `seed ${seed}: ${r.stdout}`);
    }
  });

  test('getObj p50 30% worse in every trial fails and names the cell', () => {
    const slow = makeReport({ seed: 7, slowdown: (t, c, s) => (t === 'zerorpc' && c === 'getObj' && s === 'latency' ? 1.3 : 1) });
    const r = compare(save(makeReport({ seed: 6 })), save(slow));
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /\*\*Regression: 1 cell got slower\.\*\*/);
    const first = r.stdout.split('\n').find((l) => l.startsWith('| zerorpc getObj'));
    assert.match(first ?? '', /^\| zerorpc getObj\(100\) latency c=1 \| 🔴 regressed \| \*\*\d+ → \d+ \(\+[23]\d\.\d%, worse\)\*\*/);
    assert.match(r.stderr, /1 regression/);
  });

  test('a 30% slowdown with only 3 trials a side is undecided, not passed: exit 2, the comparison shown all the same', () => {
    const r = compare(save(makeReport({ trials: 3 })), save(makeReport({ trials: 3, slowdown: () => 1.3 })));
    assertBadInput(r, /too few samples to decide: 3 per side.*this matrix needs \d+ runs per side/);
    assert.match(r.stdout, /\*\*Undecided: too few samples/);
    assert.match(r.stdout, /\| zerorpc getObj\(100\) latency c=1 \| ⚪ too few samples \| \d+ → \d+ \(\+[23]\d\.\d%, worse\)/);
    const terminal = compareTerminal(save(makeReport({ trials: 3 })), save(makeReport({ trials: 3, slowdown: () => 1.3 })));
    assert.equal(terminal.status, 2);
    assert.match(terminal.stdout, /^Undecided: too few samples/m);
    assert.match(terminal.stdout, /too few samples +zerorpc getObj\(100\) latency c=1\n +p50 µs \d+ → \d+ \(\+[23]\d\.\d%, worse\)/);
  });

  /** `n` runs of one trial each, as CI makes them, with run-to-run noise much larger than the trials'. */
  const runs = (n: number, seed: number, shape: Shape = {}) =>
    Array.from({ length: n }, (_, i) => save(makeReport({ trials: 1, noise: 0.03, runNoise: 0.2, seed: seed * 100 + i, ...shape }))).join(',');

  test('pooled runs are the samples: +-20% run-to-run noise passes', () => {
    for (const seed of [1, 2, 3]) {
      const r = compare(runs(10, seed), runs(10, seed + 10));
      assert.equal(r.status, 0, r.stdout);
      assert.match(r.stdout, /Samples: 10 baseline vs 10 current runs/);
    }
  });

  test('a report made with --runs N is N samples, like N files', () => {
    const oneReport = (seed: number, shape: Shape = {}) => {
      const parts = Array.from({ length: 8 }, (_, run) => makeReport({ trials: 2, noise: 0.03, runNoise: 0.2, seed: seed * 100 + run, ...shape }));
      const report = parts[0]!;
      report.results.forEach((cell, i) => {
        cell.trials = parts.flatMap((p, run) => p.results[i]!.trials.map((t) => ({ run, ...t })));
      });
      assert.deepEqual(reportProblems(report), []);
      return save(report);
    };
    const quiet = compare(oneReport(20), oneReport(21));
    assert.equal(quiet.status, 0, quiet.stdout);
    assert.match(quiet.stdout, /Samples: 8 baseline vs 8 current runs/);
    const slow = compare(oneReport(22), oneReport(23, { slowdown: (t) => (t === 'zerorpc' ? 1.5 : 1) }));
    assert.equal(slow.status, 1, slow.stdout);
    assert.match(slow.stdout, /\| zerorpc \| 🔴 regressed/);
  });

  test('a slowdown of one transport that no single noisy cell shows is caught by the transport test', () => {
    // each cell +-25% from run to run on its own, the transport as a whole +-5%
    const noisy = { noise: 0.25, runNoise: 0.05 };
    const r = compare(runs(10, 4, noisy), runs(10, 5, { ...noisy, slowdown: (t) => (t === 'http' ? 1.2 : 1) }));
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stdout, /\| http \| 🔴 regressed \| \*\*\+\d\d\.\d%, worse \(threshold 10%\)\*\* \| 4 \|/);
    assert.ok(!/\| http \S+ \S+ c=\d+ \| 🔴 regressed/.test(r.stdout), `no single http cell is significant on its own: ${r.stdout}`);
    assert.match(r.stdout, /\| tcp \| (✅ unchanged|🟡 within noise) \|/);
  });

  test('a uniform 20% slowdown fails in absolute mode and passes normalized to tcp', () => {
    const base = save(makeReport({ seed: 8 }));
    const cur = save(makeReport({ seed: 9, slowdown: () => 1.2 }));
    assert.equal(compare(base, cur).status, 1);
    const r = compare(base, cur, '--normalize');
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /Mode: \*\*normalized to tcp\*\* \(drift correction\): this run's tcp cells are (19|2\d)\.\d% slower/);
    assert.match(r.stdout, /\| tcp getObj\(100\) latency c=1 \| 📏 reference/);
  });

  test('normalized mode still catches one transport that got slower than the machine', () => {
    const cur = makeReport({ seed: 11, slowdown: (t, c) => (t === 'http' && c === 'getObj' ? 1.2 * 1.3 : 1.2) });
    const r = compare(save(makeReport({ seed: 10 })), save(cur), '--reference', 'tcp');
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stdout, /\*\*Regression: 2 cells and 1 transport got slower\.\*\*/);
    assert.match(r.stdout, /\| http getObj\(100\) latency c=1 \| 🔴 regressed/);
  });

  test('more bytes per call is a regression without any trials to test', () => {
    const r = compare(save(makeReport({ seed: 12 })), save(makeReport({ seed: 12, bytes: 101 })));
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stdout, /\| tcp getObj\(100\) latency c=1 \| 🔴 regressed .*\*\*1,100 → 1,101 \(\+0\.1%, worse\)\*\* \|$/m);
  });

  test('p99, CPU per call and calls/s are each judged on their own', () => {
    const base = save(makeReport({ seed: 30 }));
    const cases: Array<[Shape['only'], RegExp]> = [
      [
        (t) => (t === 'http' ? { p99: 1.6 } : {}),
        /\| http getObj\(100\) latency c=1 \| 🔴 regressed \| [^|]+ \| \*\*[\d,.]+ → [\d,.]+ \(\+\d\d\.\d%, worse\)\*\* \|/,
      ],
      [
        (t) => (t === 'http' ? { cpu: 1.6 } : {}),
        /\| http getObj\(100\) latency c=1 \| 🔴 regressed \|( [^|]+ \|){3} \*\*[\d,.]+ → [\d,.]+ \(\+\d\d\.\d%, worse\)\*\* \|/,
      ],
      [
        (t) => (t === 'http' ? { callsPerSec: 1.4 } : {}),
        /\| http getObj\(100\) latency c=1 \| 🔴 regressed \|( [^|]+ \|){2} \*\*[\d,.]+ → [\d,.]+ \(−\d\d\.\d%, worse\)\*\* \|/,
      ],
    ];
    for (const [only, row] of cases) {
      const r = compare(base, save(makeReport({ seed: 31, only })));
      assert.equal(r.status, 1, r.stdout);
      assert.match(r.stdout, row);
      assert.doesNotMatch(r.stdout, /\| tcp \S+ \S+ c=\d+ \| 🔴/);
    }
  });

  test('how many runs a side the gate needs: it says so when refusing, and with that many a transport-wide slowdown is caught', () => {
    const slow: Shape = { slowdown: (t) => (t === 'zerorpc' ? 1.4 : 1) };
    const refused = compare(runs(3, 40), runs(3, 41, slow));
    assert.equal(refused.status, 2);
    const need = Number(/this matrix needs (\d+) runs per side/.exec(refused.stderr)?.[1]);
    assert.ok(need > 3 && need <= 8, refused.stderr);
    assert.match(refused.stdout, /\| zerorpc \| ⚪ too few samples/);
    const enough = compare(runs(need, 42), runs(need, 43, slow));
    assert.equal(enough.status, 1, enough.stdout);
    assert.match(enough.stdout, /\| zerorpc \| 🔴 regressed/);
    const oneCell: Shape = { slowdown: (t, c, s) => (t === 'zerorpc' && c === 'fib' && s === 'latency' ? 1.6 : 1) };
    const eight = compare(runs(8, 44), runs(8, 45, oneCell));
    assert.equal(eight.status, 1, eight.stdout);
    assert.match(eight.stdout, /\| zerorpc fib latency c=1 \| 🔴 regressed/);
  });

  test('"normalize": true in the config file corrects drift end to end', () => {
    const config = save({ compare: { normalize: true } }, 'normalize.json');
    const base = save(makeReport({ seed: 32 }));
    const cur = save(makeReport({ seed: 33, slowdown: () => 1.2 }));
    const r = compare(base, cur, '--config', config);
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /Mode: \*\*normalized to tcp\*\*/);
  });

  test('a per-transport threshold in rpcbench.config.json lets an expected slowdown through', () => {
    const config = save({ compare: { transports: { zerorpc: { p50: 50, p99: 50, callsPerSec: 50, cpuPerCall: 50 } } } }, 'config.json');
    const slow = save(makeReport({ seed: 14, slowdown: (t) => (t === 'zerorpc' ? 1.3 : 1) }));
    const base = save(makeReport({ seed: 13 }));
    assert.equal(compare(base, slow).status, 1);
    assert.equal(compare(base, slow, '--config', config).status, 0);
  });
});

describe('compare: config', () => {
  test('rpcbench.config.json wins over the "rpcbench" key of package.json, which wins over the defaults', () => {
    const project = path.join(dir, 'project');
    mkdirSync(project, { recursive: true });
    assert.deepEqual(loadConfig(null, project), DEFAULT_CONFIG);
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'x', rpcbench: { compare: { thresholds: { p50: 5 }, normalize: true } } }));
    const fromPackage = loadConfig(null, project);
    assert.equal(fromPackage.thresholds.p50, 5);
    assert.equal(fromPackage.thresholds.p99, DEFAULT_CONFIG.thresholds.p99);
    assert.equal(fromPackage.normalize, AUTO_REFERENCE);
    writeFileSync(path.join(project, 'rpcbench.config.json'), JSON.stringify({ thresholds: { p99: 40 }, transports: { xmlrpc: { cpuPerCall: 60 } } }));
    const fromFile = loadConfig(null, project);
    assert.equal(fromFile.thresholds.p50, DEFAULT_CONFIG.thresholds.p50);
    assert.equal(fromFile.thresholds.p99, 40);
    // the first names of three metrics (cpuPerCall, callsPerSec, bytesPerCall) are read as the one vocabulary's
    assert.deepEqual(fromFile.transports, { xmlrpc: { 'cpu/call': 60 } });
    writeFileSync(path.join(project, 'rpcbench.config.json'), JSON.stringify({ thresholds: { 'calls/s': 7, capacity: 15 } }));
    assert.deepEqual([loadConfig(null, project).thresholds['calls/s'], loadConfig(null, project).thresholds.capacity], [7, 15]);
  });
});

describe('compare: outputs', () => {
  const slowZerorpc = () => save(makeReport({ seed: 7, slowdown: (t, c, s) => (t === 'zerorpc' && c === 'getObj' && s === 'latency' ? 1.3 : 1) }));

  test('the terminal view is compact: the verdict, the transports, only the cells that moved, with only what moved', () => {
    const r = compareTerminal(save(makeReport({ seed: 6 })), slowZerorpc());
    assert.equal(r.status, 1);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], 'Regression: 1 cell got slower.');
    assert.ok(lines.length < 25, r.stdout);
    assert.ok(
      lines.every((l) => l.length <= 120),
      r.stdout,
    );
    assert.match(r.stdout, /REGRESSED +zerorpc getObj\(100\) latency c=1\n +p50 µs \d+ → \d+ \(\+[23]\d\.\d%, worse\)/);
    assert.doesNotMatch(r.stdout, /\| /, 'no markdown table in the terminal');
    assert.match(r.stdout, /\d+ cell\(s\) unchanged/);
  });

  test('the markdown folds the unchanged cells away, so that the changes are what one sees', () => {
    const r = compare(save(makeReport({ seed: 6 })), slowZerorpc());
    const [changed, folded] = r.stdout.split('<details>');
    assert.match(changed!, /### Cells that changed[\s\S]*\| zerorpc getObj\(100\) latency c=1 \| 🔴 regressed/);
    assert.match(
      folded!,
      /^<summary>\d+ cell\(s\) unchanged \(within every threshold\)<\/summary>[\s\S]*\| tcp getObj\(100\) latency c=1 \| ✅ unchanged[\s\S]*<\/details>/,
    );
  });

  test('a change beyond the threshold in the better direction is not "unchanged"', () => {
    const faster = makeReport({ seed: 15, only: (t) => (t === 'http' ? { callsPerSec: 1 / 3 } : {}) });
    const r = compare(
      save(makeReport({ seed: 16, trials: 3 })),
      save({ ...faster, results: faster.results.map((c) => ({ ...c, trials: c.trials.slice(0, 3) })) }),
    );
    const row = r.stdout.split('\n').find((l) => l.startsWith('| http getObj(100) latency c=1 |')) ?? '';
    assert.match(row, /\+\d{3}\.\d%, better/);
    assert.doesNotMatch(row, /unchanged/);
  });

  test('--json prints the comparison on stdout, parseable, with the terminal view on stderr', () => {
    const r = compareTerminal(save(makeReport({ seed: 6 })), slowZerorpc(), '--json');
    assert.equal(r.status, 1);
    const cmp = JSON.parse(r.stdout) as { regressions: number; refusal: string | null; cells: Array<{ key: string; status: string }> };
    assert.equal(cmp.regressions, 1);
    assert.equal(cmp.refusal, null);
    assert.equal(cmp.cells.find((c) => c.status === 'regressed')?.key, 'zerorpc getObj(100) latency c=1');
    assert.match(r.stderr, /^Regression: 1 cell got slower\.$/m);
  });

  test('server work that differs is said in words, not as internal data', () => {
    const slow = makeReport({ seed: 17 });
    slow.meta.options.serverWorkUsByTransport = { zerorpc: 45 };
    const r = compare(save(makeReport({ seed: 18 })), save(slow));
    assert.match(r.stdout, /server work differs: 0 µs in the baseline, 0 µs \(zerorpc 45 µs\) now/);
  });

  test('transports benchmarked against a foreign server (--target) are marked in every view', () => {
    const target = makeReport({ seed: 19 });
    target.meta.transports.http!.target = true;
    const file = save(target);
    assert.match(compare(file, file).stdout, /\| http \(target\) \| ✅ unchanged/);
    assert.match(compare(file, file).stdout, /\| http \(target\) getObj\(100\) latency c=1 \|/);
    assert.match(compareTerminal(file, file).stdout, /^http \(target\) +unchanged/m);
  });

  test('--markdown writes the summary to a file and --export writes github-action-benchmark JSON', () => {
    const md = path.join(dir, 'summary.md');
    const out = path.join(dir, 'bench.json');
    const file = save(makeReport());
    const r = compareTerminal(file, file, '--markdown', md, '--export', 'benchmark-action', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^No regression\.$/m);
    assert.match(r.stdout, new RegExp(`12 cell\\(s\\) unchanged; every cell: ${md.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.match(readFileSync(md, 'utf8'), /^## rpcbench: performance compared with the baseline/);
    const smaller = JSON.parse(readFileSync(out, 'utf8')) as Array<{ name: string; unit: string; value: number }>;
    const bigger = JSON.parse(readFileSync(path.join(dir, 'bench.bigger.json'), 'utf8')) as Array<{ name: string; unit: string; value: number }>;
    // p50, p99, CPU and bytes per call of every cell; calls/s of every cell (no capacity cell here)
    assert.equal(smaller.length, 4 * TRANSPORTS.length * CELLS.length);
    assert.equal(bigger.length, TRANSPORTS.length * CELLS.length);
    const units = (metric: string) => [...new Set(smaller.filter((e) => e.name.endsWith(` ${metric}`)).map((e) => e.unit))];
    assert.deepEqual([units('p50'), units('p99'), units('cpu/call'), units('bytes/call')], [['us'], ['us'], ['us'], ['bytes']]);
    assert.ok(smaller.every((e) => e.value > 0 && typeof e.name === 'string'));
    assert.ok(bigger.every((e) => e.unit === 'calls/s' && e.value > 0 && e.name.endsWith(' calls/s')));
  });
});

test('a schema version 1 report from an older build is read as the current version, marked as not measured where it could not be', async () => {
  const { loadReport } = await import('../bench/report/read.ts');
  const report = loadReport(fixture('report-v1.json'));
  assert.equal(report.schemaVersion, SCHEMA_VERSION);
  assert.deepEqual(reportProblems(report), []);
  assert.ok(report.results.length > 0);
  for (const cell of report.results) {
    assert.equal(cell.codecUsPerCall, null);
    assert.ok(cell.trials.every((t) => t.histogram === null && t.clientBound === false));
  }
});

test('a schema version 2 report (made by the build before spreads) is read with its spread, rate and transports derived', async () => {
  const { loadReport } = await import('../bench/report/read.ts');
  const report = loadReport(fixture('report-v2.json'));
  assert.equal(report.schemaVersion, SCHEMA_VERSION);
  assert.deepEqual(reportProblems(report), []);
  assert.deepEqual(Object.keys(report.meta.transports).sort(), ['inproc', 'tcp']);
  for (const cell of report.results) {
    const rates = cell.trials.map((t) => t.callsPerSec);
    assert.deepEqual([cell.spread.callsPerSec.min, cell.spread.callsPerSec.max], [Math.min(...rates), Math.max(...rates)]);
    assert.equal(cell.outcome, null);
    assert.equal(typeof cell.noisy, 'boolean');
  }
});

test('a schema version 3 report (made by the build before capacity, d5bd2ad) reads as the current version and compares with itself', async () => {
  const { loadReport } = await import('../bench/report/read.ts');
  const report = loadReport(fixture('report-v3.json'));
  assert.equal(report.schemaVersion, SCHEMA_VERSION);
  assert.deepEqual(reportProblems(report), []);
  assert.ok(
    report.results.every((c) => c.variant === undefined),
    'no capacity cell: it came after',
  );
  assert.ok(
    report.results.some((c) => c.scenario === 'rate' && (c.outcome as { saturated?: boolean } | null)?.saturated !== undefined),
    'the rate outcome, now in the one slot',
  );
  assert.equal(report.meta.transports.tcp?.role, 'wire-floor');
  const r = compare(fixture('report-v3.json'), fixture('report-v3.json'));
  assert.equal(r.status, 2, r.stderr); // one run a side: too few samples to decide, and it says so
  assert.match(r.stdout, /\| tcp getObj\(100\) latency c=1 \|/);
});

describe('compare: bad input exits 2 with one line', () => {
  const good = save(makeReport());
  test('missing file', () => assertBadInput(compare(good, path.join(dir, 'nope.json')), /cannot read .*nope\.json: ENOENT/));
  test('not JSON', () => assertBadInput(compare(save('{"schemaVersion": 1, '), good), /is not JSON/));
  test('schema version mismatch', () =>
    assertBadInput(compare(good, save({ ...makeReport(), schemaVersion: 99 })), /schemaVersion 99; this rpcbench reads 1 to 5/));
  test('JSON that is not a report', () => assertBadInput(compare(good, save({ schemaVersion: 1, results: 'x' })), /is not an rpcbench report/));
  test('nothing to compare', () => {
    const other = makeReport();
    other.results = other.results.map((c) => ({ ...c, transport: `${c.transport}-other` }));
    assertBadInput(compare(good, save(other)), /nothing to compare/);
  });
  test('normalizing to a transport that did not run', () => assertBadInput(compare(good, good, '--reference', 'xmlrpc'), /cannot normalize to xmlrpc/));
  test('incompatible runs (different fib n)', () => {
    const other = makeReport();
    other.meta.options.fibN = 25;
    assertBadInput(compare(good, save(other)), /incompatible reports: fib\(20\).*fib\(25\)/);
  });
  test('a malformed config', () => assertBadInput(compare(good, good, '--config', save({ thresholds: { p42: 1 } })), /unknown metric "p42"/));
  test('configs of the wrong shape: null, transports that are not a map, a threshold beyond range', () => {
    const cases: Array<[string, RegExp]> = [
      ['null', /must be a JSON object, got null/],
      ['{"compare": {"transports": 5}}', /compare\.transports must be object/],
      // JSON reads 1e400 as Infinity, which is no threshold
      ['{"compare": {"thresholds": {"p50": 1e400}}}', /compare\.thresholds\.p50 must be number/],
    ];
    for (const [config, message] of cases) assertBadInput(compare(good, good, '--config', save(config)), message);
  });
  test('an output path that cannot be written is refused before comparing, not after', () => {
    assertBadInput(compareTerminal(good, good, '--markdown', path.join(dir, 'nonexistent', 'x.md')), /--markdown: cannot write ".*x\.md": no such directory/);
    assertBadInput(
      compareTerminal(good, good, '--export', 'benchmark-action', path.join(good, 'y.json')),
      /--export: cannot write ".*y\.json": a part of the path is a file/,
    );
  });
  test('reports with values no measurement gives: 1e308, or all zero (with --normalize, a zero reference)', () => {
    const huge = makeReport();
    huge.results[0]!.latencyUs.p50 = 1e308;
    assertBadInput(compare(good, save(huge)), /is not an rpcbench report: \/results\/0\/latencyUs\/p50 must be <= /);
    const zero = makeReport();
    for (const cell of zero.results) {
      for (const key of Object.keys(cell.latencyUs) as Array<keyof typeof cell.latencyUs>) cell.latencyUs[key] = 0;
      for (const t of cell.trials) for (const key of Object.keys(t.latencyUs) as Array<keyof typeof t.latencyUs>) t.latencyUs[key] = 0;
    }
    assertBadInput(compare(save(zero), good, '--normalize'), /is not an rpcbench report: .*latencyUs\/p50 must be > 0/);
  });
  test('wrong arguments', () => assertBadInput(compare(good), /expected BASELINE and CURRENT/));
  test('bench --baseline checks the baseline before running anything', () => {
    const r = runCli('bench.ts', ['--transports', 'inproc', '--baseline', save('[]')]);
    assertBadInput(r, /schemaVersion undefined/);
  });
  test('bench --normalize without --baseline is a usage error', () => assertBadInput(runCli('bench.ts', ['--normalize']), /only apply with --baseline/));
});

describe('compare: statistics', () => {
  test('Mann-Whitney: 3 vs 3 perfectly separated gives the exact p = 1/20', () => {
    assert.equal(mannWhitneyGreater([4, 5, 6], [1, 2, 3]).p, 0.05);
    assert.equal(mannWhitneyGreater([1, 2, 3], [4, 5, 6]).p, 1);
    assert.equal(mannWhitneyGreater([4, 5, 6], [1, 2, 3]).minP, 0.05);
  });
  test('Mann-Whitney: interleaved samples are not significant', () => {
    assert.ok(mannWhitneyGreater([1, 3, 5, 7, 9], [2, 4, 6, 8, 10]).p > 0.5);
  });
  test('Holm rejects step-down and stops at the first p above its level', () => {
    assert.deepEqual(holm([0.01, 0.04, 0.03, 0.5], 0.05), [true, false, false, false]);
    assert.deepEqual(holm([0.001, 0.01, 0.02, 0.04], 0.05), [true, true, true, true]);
  });
});

describe('bench --baseline: run, then gate', () => {
  test('a real 2 ms slowdown of tcp fails the run and names it in OUT/compare.md', () => {
    const args = ['--transports', 'tcp', '--calls', 'fib', '--scenarios', 'latency', '--trials', '9', '--duration', '30ms', '--warmup', '20ms', '--no-wire'];
    const before = path.join(dir, 'before');
    const after = path.join(dir, 'after');
    assert.equal(runCli('bench.ts', [...args, '--out', before]).status, 0);
    const r = runCli('bench.ts', [...args, '--server-work-us', 'tcp=2000', '--out', after, '--baseline', path.join(before, 'latest.json')]);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    const summary = readFileSync(path.join(after, 'compare.md'), 'utf8');
    // the cell is named regressed, its p50 worse; the p50 is bold (significant on its own) on a quiet machine, and on
    // a busy one the baseline's nine trials can spread past it (a fresh clone, q47: baseline p50 1,087 µs where it is
    // about 100 µs, the cell regressed on its CPU per call and p50 +115% not bold), so the bold is not asked for
    assert.match(summary, /\| tcp fib latency c=1 \| 🔴 regressed \| (\*\*)?[\d,.]+ → [\d,]+ \(\+[\d,.]+%, worse\)/);
    assert.match(summary, /trials of a single run/);
    assert.match(summary, /server work differs/);
  });

  // The slowdown is derived from the report itself: each of http's runs is slowed by more than the widest spread of
  // its runs, so that every slowed run lies above every original one (Mann-Whitney's smallest p for 8 against 8,
  // 1/12,870). However noisy the machine made the runs, a gate that still works names http; one that stops catching
  // what it can see fails this test. A fixed +50% did not: on a busy machine http's runs spread 36%, and the gate
  // rightly called +50% within noise (issue 36).
  test("a real report made with --runs 8 is 8 samples a side; http slowed beyond its own runs' spread is named, tcp is not", () => {
    const out = path.join(dir, 'runs8');
    const args = [
      '--transports',
      'tcp,http',
      '--calls',
      'fib',
      '--scenarios',
      'latency',
      '--runs',
      '8',
      '--trials',
      '1',
      '--duration',
      '30ms',
      '--warmup',
      '0.1',
    ];
    assert.equal(runCli('bench.ts', [...args, '--no-wire', '--out', out]).status, 0);
    const file = path.join(out, 'latest.json');
    const same = compare(file, file);
    assert.equal(same.status, 0, same.stdout);
    assert.match(same.stdout, /Samples: 8 baseline vs 8 current runs/);
    // not only itself: its eight runs as eight rounds, against the same runs in reverse order. Paired by round, the
    // differences are real and nonzero, but each has its opposite (round k's is minus round 7-k's): a gate that
    // pairs, signs and normalises them right finds no direction in them, whatever the machine did
    const rounds = (order: (run: number) => number) =>
      Array.from({ length: 8 }, (_, run) => {
        const one = JSON.parse(readFileSync(file, 'utf8')) as Report;
        for (const cell of one.results) cell.trials = cell.trials.filter((t) => t.run === run).map((t) => ({ ...t, run: 0 }));
        one.meta.round = order(run);
        return save(one);
      }).join(',');
    const reversed = compare(
      rounds((run) => run),
      rounds((run) => 7 - run),
    );
    assert.equal(reversed.status, 0, reversed.stdout);
    assert.match(reversed.stdout, /paired by round/i);
    for (const transport of ['tcp', 'http']) assert.match(reversed.stdout, new RegExp(`\\| ${transport} \\| (✅ )?unchanged`));
    const slowed = JSON.parse(readFileSync(file, 'utf8')) as Report;
    const http = slowed.results.filter((c) => c.transport === 'http');
    const keys = ['p50', 'p90', 'p99'] as const;
    const widest = Math.max(
      ...http.flatMap((c) => keys.map((k) => Math.max(...c.trials.map((t) => t.latencyUs[k])) / Math.min(...c.trials.map((t) => t.latencyUs[k])))),
    );
    const factor = Math.max(1.5, widest * 1.1);
    for (const cell of http) for (const t of cell.trials) for (const k of keys) t.latencyUs[k] *= factor;
    const r = compare(file, save(slowed));
    assert.equal(r.status, 1, `slowed ×${factor.toFixed(2)}:\n${r.stdout}`);
    assert.match(r.stdout, /\| http \| 🔴 regressed/);
    assert.doesNotMatch(r.stdout, /\| tcp \| 🔴/);
  });
});
