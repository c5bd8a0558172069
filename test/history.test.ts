// rpcbench history: the store, the series per machine, E-divisive change points, the page. The change points are
// checked on real reports kept as fixtures (test/fixtures/history: 18 quick reports of tcp and http made in a row on
// one machine, s01-s12 of one build, then c1-c6 with 15 µs of server work on tcp), and the method on series whose
// truth is known.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { bestSplit, eDivisive } from '../bench/history/changepoints.ts';
import { contradictions, contradictionText } from '../bench/history/contradictions.ts';
import type { History, HistoryPoint } from '../bench/history/types.ts';
import { mulberry32 } from '../bench/stats/random.ts';
import { chromiumMissing, visit } from './browser.ts';
import { fixture, runCli, tempDir } from './helpers.ts';
import { need } from './require.ts';

/** Normal noise (Box-Muller on a seeded PRNG). */
function noise(seed: number): () => number {
  const random = mulberry32(seed);
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

describe('E-divisive means', () => {
  test('a step of 15% in a series with 3% noise is found where it starts; two steps (a staircase), both', () => {
    const n = noise(7);
    const step = Array.from({ length: 12 }, (_, i) => 100 * (i < 6 ? 1 : 1.15) * (1 + 0.03 * n()));
    assert.deepEqual(
      eDivisive(step).map((s) => s.index),
      [6],
    );
    const two = Array.from({ length: 30 }, (_, i) => (i < 10 ? 100 : i < 20 ? 130 : 160) * (1 + 0.03 * n()));
    assert.deepEqual(
      eDivisive(two).map((s) => s.index),
      [10, 20],
    );
  });

  test('a clean step after five reports is flagged at the default level: five reports and five (issue 31), at report 6', () => {
    const series = [58, 75, 60, 59, 70, 83, 78, 78, 93, 90];
    const [split, ...rest] = eDivisive(series);
    assert.equal(rest.length, 0);
    assert.equal(split!.index, 5);
    assert.ok(split!.pValue < 0.05, String(split!.pValue));
  });

  test('series with no change fire at about the significance level, not more', () => {
    const n = noise(11);
    let fired = 0;
    const trials = 300;
    for (let t = 0; t < trials; t++) {
      const flat = Array.from({ length: 12 }, () => 100 * (1 + 0.1 * n()));
      if (eDivisive(flat, { alpha: 0.05, seed: t }).length) fired++;
    }
    // at alpha 0.05 about 15 of 300; the binomial's 99.9% bound is 29
    assert.ok(fired <= 29, `${fired} of ${trials} flat series had a change point`);
    assert.ok(fired >= 3, `${fired} of ${trials}: a test that never fires is not testing`);
  });

  test('the best split maximises the energy statistic over every change (checked against the formula, computed directly)', () => {
    const x = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9];
    const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
    const pairs = (xs: number[]) => xs.flatMap((p, i) => xs.slice(i + 1).map((q) => Math.abs(p - q)));
    const direct = (tau: number, kappa: number) => {
      const a = x.slice(0, tau);
      const b = x.slice(tau, kappa);
      const between = mean(a.flatMap((p) => b.map((q) => Math.abs(p - q))));
      return ((a.length * b.length) / (a.length + b.length)) * (2 * between - mean(pairs(a)) - mean(pairs(b)));
    };
    let top = { index: -1, q: -Infinity };
    for (let tau = 3; tau <= x.length - 3; tau++) if (direct(tau, x.length) > top.q) top = { index: tau, q: direct(tau, x.length) };
    const best = bestSplit(x, 3)!;
    assert.equal(best.index, top.index);
    assert.ok(Math.abs(best.q - top.q) < 1e-9, `${best.q} against ${top.q}`);
  });
});

/** The fixture reports, unpacked into a directory of latest.json files named as given. */
function reports(names: string[]): string[] {
  const dir = tempDir();
  return names.map((name) => {
    const file = path.join(dir, `${name}.json`);
    writeFileSync(file, gunzipSync(readFileSync(fixture(`history/${name}.json.gz`))));
    return file;
  });
}

const SAME = Array.from({ length: 12 }, (_, i) => `s${String(i + 1).padStart(2, '0')}`);
const CHANGE = [...SAME.slice(6), ...Array.from({ length: 6 }, (_, i) => `c${i + 1}`)];

function historyOf(files: string[], ...args: string[]): { history: History; stdout: string; store: string } {
  const store = path.join(tempDir(), 'store');
  const add = runCli('history.ts', ['add', ...files, '--store', store]);
  assert.equal(add.status, 0, add.stderr);
  const out = tempDir();
  const r = runCli('history.ts', ['--store', store, '--out', out, '--json', ...args]);
  assert.equal(r.status, 0, r.stderr);
  return { history: JSON.parse(r.stdout) as History, stdout: r.stderr, store };
}

const changesOf = (h: History, transport: string) =>
  h.series.filter((s) => s.cell.transport === transport).flatMap((s) => s.changes.map((c) => ({ series: `${s.label} ${s.metric}`, ...c })));
/** The changes of one transport alone: those not marked as the whole machine's. */
const ownChangesOf = (h: History, transport: string) => changesOf(h, transport).filter((c) => !c.machineWide);

describe('history of real reports', () => {
  test('6 reports, then 6 with tcp slower: a change point in tcp at report 7, none in http', () => {
    const { history } = historyOf(reports(CHANGE));
    assert.equal(history.reports, 12);
    const tcp = ownChangesOf(history, 'tcp');
    assert.ok(tcp.length >= 1, 'tcp: no change point found');
    for (const c of tcp) {
      assert.ok(c.index === 6 || c.index === 7, `${c.series}: a change at report ${c.index + 1}`);
      assert.equal(c.worse, true, c.series);
    }
    assert.deepEqual(ownChangesOf(history, 'http'), []);
  });

  test('five and five real reports (issue 31): the step in tcp is flagged at the sixth, at the default level', () => {
    const { history } = historyOf(reports([...SAME.slice(7), ...CHANGE.slice(6, 11)]));
    assert.equal(history.reports, 10);
    const tcp = ownChangesOf(history, 'tcp');
    assert.ok(
      tcp.some((c) => c.series === 'tcp getObj(100) latency c=1 p50' && c.index === 5 && c.worse),
      JSON.stringify(tcp),
    );
    assert.deepEqual(ownChangesOf(history, 'http'), []);
  });

  test("--alpha sets the level of every change point's test: below what 999 permutations can reach, nothing is a change", () => {
    const strict = historyOf(reports(CHANGE), '--alpha', '0.0005').history;
    assert.equal(strict.options.alpha, 0.0005);
    assert.deepEqual(
      strict.series.flatMap((s) => s.changes),
      [],
    );
    // and a level it can reach finds the step the default finds
    assert.ok(ownChangesOf(historyOf(reports(CHANGE), '--alpha', '0.01').history, 'tcp').length >= 1);
    for (const bad of ['0', '0.5', 'x']) {
      const r = runCli('history.ts', ['--store', historyOf(reports(['s01'])).store, '--alpha', bad]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /^rpcbench history: error: --alpha: .* is not a level between 0 and 0.5/);
    }
  });

  test("a report of a user's code (bench --label, a plugin in a git repository) is kept under that code's commit, not rpcbench's", () => {
    const [file] = reports(['s01']);
    const report = JSON.parse(readFileSync(file!, 'utf8'));
    const commit = 'abcdef0123456789abcdef0123456789abcdef01';
    report.meta.subject = { label: 'main@abcdef0', commit, dirty: false };
    writeFileSync(file!, JSON.stringify(report));
    const { history, store } = historyOf([file!]);
    assert.deepEqual(new Set(history.series.flatMap((s) => s.points.map((p) => p.commit))), new Set([commit]));
    const [point] = readdirSync(store).map((f) => JSON.parse(readFileSync(path.join(store, f), 'utf8')) as HistoryPoint);
    assert.deepEqual([point!.commit, point!.label], [commit, 'main@abcdef0']);
  });

  test('12 reports of one build: no change of one transport; the noisy hour of reports 2-5, which slowed every series, is marked as the machine’s', () => {
    const { history } = historyOf(reports(SAME));
    assert.deepEqual([...ownChangesOf(history, 'tcp'), ...ownChangesOf(history, 'http')], []);
    const wide = [...changesOf(history, 'tcp'), ...changesOf(history, 'http')];
    // what is found is the end of that hour, in both transports
    for (const c of wide) assert.ok(c.machineWide && c.index >= 4 && c.index <= 6 && !c.worse, JSON.stringify(c));
  });

  test('a report from another machine starts a series of its own and fires no change point', () => {
    const files = reports(SAME);
    const other = JSON.parse(readFileSync(files[0]!, 'utf8'));
    other.meta.cpu = { model: 'Another CPU', count: 8 };
    const last = JSON.parse(readFileSync(files.at(-1)!, 'utf8'));
    other.meta.date = new Date(Date.parse(last.meta.date) + 60_000).toISOString();
    for (const c of other.results) {
      c.latencyUs.p50 *= 3;
      c.callsPerSec /= 3;
    }
    const otherFile = path.join(path.dirname(files[0]!), 'other.json');
    writeFileSync(otherFile, JSON.stringify(other));
    const { history } = historyOf([...files, otherFile]);
    assert.equal(history.machines.length, 2);
    assert.deepEqual(
      history.machines.map((m) => m.reports).sort((a, b) => a - b),
      [1, 12],
    );
    assert.deepEqual([...ownChangesOf(history, 'tcp'), ...ownChangesOf(history, 'http')], []);
  });

  test('adding a report twice keeps one file; --transports, --calls and --since filter; --last keeps the newest', () => {
    const files = reports(CHANGE.slice(0, 4));
    const { store } = historyOf(files);
    assert.equal(runCli('history.ts', ['add', files[0]!, '--store', store]).status, 0);
    assert.equal(readdirSync(store).length, 4);
    const out = tempDir();
    const only = runCli('history.ts', ['--store', store, '--out', out, '--json', '--transports', 'http', '--calls', 'fib', '--last', '3']);
    assert.equal(only.status, 0, only.stderr);
    const h = JSON.parse(only.stdout) as History;
    assert.deepEqual([...new Set(h.series.map((s) => `${s.cell.transport} ${s.cell.call}`))], ['http fib']);
    assert.equal(h.reports, 3);
    const future = runCli('history.ts', ['--store', store, '--out', out, '--json', '--since', '2099-01-01']);
    assert.equal(future.status, 0, future.stderr);
    assert.equal((JSON.parse(future.stdout) as History).reports, 0);
  });
});

test('--json through a pipe is whole, however long (process.exit once cut it at 64 kB)', () => {
  const { store } = historyOf(reports(['s01']));
  const [file] = readdirSync(store);
  const point = JSON.parse(readFileSync(path.join(store, file!), 'utf8'));
  for (let i = 1; i < 150; i++) {
    const date = new Date(Date.parse(point.date) + i * 60_000).toISOString();
    writeFileSync(path.join(store, `copy-${i}.json`), JSON.stringify({ ...point, id: `copy${i}`, date }));
  }
  const r = runCli('history.ts', ['--store', store, '--out', tempDir(), '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stdout.length > 65_536, `only ${r.stdout.length} bytes: make the store bigger`);
  assert.equal((JSON.parse(r.stdout) as History).reports, 150);
});

describe('history: bad input is one line, exit 2', () => {
  const store = path.join(tempDir(), 'store');
  const cases: Array<[string, string[], RegExp]> = [
    ['an empty store', ['--store', store], /holds no reports/],
    ['add without reports', ['add', '--store', store], /expected one or more reports/],
    ['a file that is not a report', ['add', fixture('history/README.md'), '--store', store], /not JSON|not an rpcbench report/],
    ['an unknown sub-command', ['ad'], /only sub-command is "add"/],
  ];
  for (const [what, args, message] of cases) {
    test(what, () => {
      const r = runCli('history.ts', args);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    });
  }

  test('a bad --since, an unknown --transports (with a suggestion), a store file that is not a point', () => {
    const files = reports(['s01']);
    const { store: full } = historyOf(files);
    const since = runCli('history.ts', ['--store', full, '--since', 'yesterday-ish']);
    assert.equal(since.status, 2);
    assert.match(since.stderr, /--since: "yesterday-ish" is neither a date/);
    const typo = runCli('history.ts', ['--store', full, '--transports', 'tpc']);
    assert.equal(typo.status, 2);
    assert.match(typo.stderr, /did you mean "tcp"/);
    writeFileSync(path.join(full, 'broken.json'), '{"schema": 7}');
    const broken = runCli('history.ts', ['--store', full]);
    assert.equal(broken.status, 2);
    assert.match(broken.stderr, /broken\.json is not a point of rpcbench's history/);
  });
});

test('history.html, opened from disk in Chromium: no error, no request, a chart per series, every axis from 0, change points drawn', {
  skip: need('Chromium', chromiumMissing()),
  timeout: 90_000,
}, async () => {
  const files = reports(CHANGE);
  const store = path.join(tempDir(), 'store');
  assert.equal(runCli('history.ts', ['add', ...files, '--store', store]).status, 0);
  const out = tempDir();
  mkdirSync(out, { recursive: true });
  const r = runCli('history.ts', ['--store', store, '--out', out, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const h = JSON.parse(r.stdout) as History;
  const v = await visit(path.join(out, 'history.html'));
  try {
    await v.page.waitForFunction(() => (window as unknown as { rpcbenchChartsDrawn?: number }).rpcbenchChartsDrawn !== undefined, undefined, {
      timeout: 30_000,
    });
    const charts = await v.page.evaluate(() =>
      (
        window as unknown as {
          rpcbenchCharts: Array<{ scales: Record<string, { min: number }>; options: { plugins: { changeLines: { changes: unknown[] } } } }>;
        }
      ).rpcbenchCharts.map((c) => ({
        mins: Object.entries(c.scales)
          .filter(([k]) => k !== 'x')
          .map(([, s]) => s.min),
        changes: c.options.plugins.changeLines.changes.length,
      })),
    );
    assert.deepEqual(v.errors, []);
    assert.deepEqual(v.requests, []);
    assert.equal(charts.length, h.series.length);
    for (const c of charts)
      assert.ok(
        c.mins.every((m) => m === 0),
        JSON.stringify(c.mins),
      );
    assert.equal(
      charts.reduce((n, c) => n + c.changes, 0),
      h.series.reduce((n, s) => n + s.changes.length, 0),
    );
  } finally {
    await v.close();
  }
});

describe('leads that flip between reports', () => {
  const point = (date: string, machine: string, leads: HistoryPoint['leads']): HistoryPoint => ({
    schema: 1,
    id: date,
    commit: `c${date.slice(8, 10)}aaaaaa`,
    date,
    machine: { key: machine, cpu: machine, cores: 2 },
    node: 'v20',
    options: '',
    cells: [],
    leads,
  });
  const lead = (leader: string, behind: string[]) => ({ call: 'getObj', goal: 'lowest p50', where: 'latency, 1 in flight', leader, behind });

  test('a report calling X clearly ahead of Y, after one of the same machine that called Y clearly ahead of X, is flagged once', () => {
    const points = [
      point('2026-12-01T00:00:00Z', 'm', [lead('http', ['tcp'])]),
      point('2026-12-02T00:00:00Z', 'm', [lead('tcp', ['http', 'nats'])]),
      point('2026-12-03T00:00:00Z', 'other', [lead('http', ['tcp'])]),
    ];
    const found = contradictions(points);
    assert.deepEqual(
      found.map((c) => [c.ahead, c.behind, c.now.slice(0, 10), c.before.slice(0, 10)]),
      [['tcp', 'http', '2026-12-02', '2026-12-01']],
    );
    assert.match(contradictionText(found[0]!), /tcp clearly ahead of http in the report of 2026-12-02.*http clearly ahead of tcp in that of 2026-12-01/);
  });

  test('the same lead again, a lead that was not clear before, or another goal: no flag', () => {
    const other = { ...lead('tcp', ['http']), goal: 'lowest p99' };
    const points = [
      point('2026-12-01T00:00:00Z', 'm', [lead('tcp', ['http']), lead('nats', [])]),
      point('2026-12-02T00:00:00Z', 'm', [lead('tcp', ['http', 'nats']), { ...other, leader: 'http', behind: ['tcp'] }]),
    ];
    assert.deepEqual(contradictions(points), []);
  });
});
