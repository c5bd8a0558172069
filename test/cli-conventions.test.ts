// The conventions of the field's command-line tools (ghz, k6, autocannon, hyperfine), checked on ours: a `bin`,
// --version everywhere, one error format, --json for pipes, --dry-run with an estimate, human durations,
// absolute thresholds with their exit code, a progress bar that moves, and targets marked as such.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseDuration } from '../bench/cli/args.ts';
import { formatDuration } from '../bench/formats/format.ts';
import type { Report } from '../bench/report/types.ts';
import { ROOT, runCli, startPeer, stopPeer, tempDir } from './helpers.ts';
import { need } from './require.ts';

const BIN = path.join(ROOT, 'bin/rpcbench.mjs');
const rpcbench = (args: string[], timeoutMs = 60_000, cwd = ROOT) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};
/** A bench run small enough for a test: inproc and tcp, one call, short trials. */
const tiny = [
  '--transports',
  'inproc,tcp',
  '--calls',
  'getObj',
  '--scenarios',
  'latency,throughput',
  '--concurrency',
  '4',
  '--duration',
  '50ms',
  '--trials',
  '2',
  '--warmup',
  '0.1',
  '--no-wire',
];

test('--version on every command, and on rpcbench itself', () => {
  for (const args of [['--version'], ['bench', '--version'], ['serve', '--version'], ['compare', '--version'], ['-V']]) {
    const r = rpcbench(args);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^rpcbench \d+\.\d+\.\d+ \((commit [0-9a-f]+, )?Node v\d+/);
  }
});

test('npx rpcbench works from the clone (the package.json bin)', () => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  assert.equal(pkg.bin.rpcbench, 'bin/rpcbench.mjs');
  const r = spawnSync('npx', ['--no-install', 'rpcbench', 'bench', '--list'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^tcp +/m);
});

test('one error format: "rpcbench COMMAND: error: ..." on one line, exit 2, for every command', () => {
  const cases: Array<[string[], RegExp]> = [
    [['bench', '--concurrency', 'x'], /^rpcbench bench: error: --concurrency: "x" is not a whole number/],
    [['serve', '--bogus'], /^rpcbench serve: error: Unknown option '--bogus' \(see --help\)/],
    [['serve'], /^rpcbench serve: error: --transport is required/],
    [['compare', 'a.json'], /^rpcbench compare: error: expected BASELINE and CURRENT/],
    [['compare', '--markdown', '-x', 'a', 'b'], /^rpcbench compare: error: --markdown: its value starts with '-'/],
    [['frobnicate'], /^rpcbench: error: unknown command "frobnicate"; commands: bench, serve, compare/],
    // a near miss is named ("did you mean"), and a flag that takes no value says so
    [['benhc'], /^rpcbench: error: unknown command "benhc" \(did you mean "bench"\?\)/],
    [['bench', '--transports', 'tpc'], /^rpcbench bench: error: --transports: unknown "tpc" \(did you mean "tcp"\?\); allowed: inproc, tcp/],
    [['bench', '--calls', 'getobj'], /^rpcbench bench: error: --calls: unknown "getobj" \(did you mean "getObj"\?\)/],
    [['bench', '--transport', 'tcp'], /^rpcbench bench: error: Unknown option '--transport' \(did you mean "--transports"\?\)/],
    [['serve', '--transport', 'htp'], /^rpcbench serve: error: unknown transport "htp" \(did you mean "http"\?\)/],
    [['bench', '--quick=yes'], /^rpcbench bench: error: --quick: takes no value/],
  ];
  for (const [args, message] of cases) {
    const r = rpcbench(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /To specify a positional|ambiguous|at .*\.ts:\d+/);
  }
});

test('no command at all is a mistake: the usage on stderr, exit 2 (and --help is not: stdout, exit 0)', () => {
  const none = rpcbench([]);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /^Usage: rpcbench COMMAND/);
  assert.equal(none.stdout, '');
  const help = rpcbench(['--help']);
  assert.equal(help.status, 0);
  assert.equal(help.stdout, none.stderr);
});

test('durations as k6 and hyperfine write them', () => {
  assert.deepEqual(['0.5', '500ms', '2s', '1m', '1m30s', '1h', '1.5m', '90s'].map(parseDuration), [0.5, 0.5, 2, 60, 90, 3600, 90, 90]);
  for (const bad of ['1m60x', '30s1m', 's', '', '1 m']) assert.ok(Number.isNaN(parseDuration(bad)), bad);
  // and the time left is never "1m60s"
  assert.deepEqual([0.44, 9.96, 59.6, 119.5, 3599.6, 3725].map(formatDuration), ['0.4s', '10s', '1m00s', '2m00s', '1h00m', '1h02m']);
});

test('--dry-run prints the plan and its estimate and runs nothing; with --json, every cell', () => {
  const out = path.join(tempDir(), 'never');
  const started = Date.now();
  const r = rpcbench(['bench', ...tiny, '--dry-run', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^4 cells on 2 server\(s\), about \d+(\.\d)?s \(estimated from the plan\)/);
  assert.match(r.stdout, /^tcp +2 +\d/m);
  assert.ok(!existsSync(out), 'no report written');
  assert.ok(Date.now() - started < 15_000);
  const json = rpcbench(['bench', ...tiny, '--dry-run', '--json']);
  const plan = JSON.parse(json.stdout) as { estimatedSec: number; cells: Array<{ cell: { transport: string }; sec: number }> };
  assert.equal(plan.cells.length, 4);
  assert.ok(plan.estimatedSec > 0);
});

test('--json prints the report on stdout for a pipe; the summary goes to stderr', () => {
  const out = tempDir();
  const r = rpcbench(['bench', ...tiny, '--json', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as Report;
  assert.equal(report.results.length, 4);
  assert.deepEqual(report, JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')));
  assert.match(r.stderr, /^getObj \(100 entries\)$/m);
});

test('absolute thresholds: met ones pass, a crossed one exits 1 and is named, from the flag and from the config', () => {
  const dir = tempDir();
  const met = rpcbench(['bench', ...tiny, '--out', dir, '--threshold', 'tcp:getObj:p99<10s', '--threshold', 'errors==0'], 120_000, dir);
  assert.equal(met.status, 0, met.stderr);
  assert.match(met.stdout, /^thresholds\n {2}met: tcp:getObj:p99<10s \(1 cell\)\n {2}met: errors==0 \(4 cells\)/m);
  writeFileSync(path.join(dir, 'rpcbench.config.json'), JSON.stringify({ bench: { thresholds: ['calls/s@4>100000000'] } }));
  const crossed = rpcbench(['bench', ...tiny, '--out', dir, '--threshold', 'p50<10s'], 120_000, dir);
  assert.equal(crossed.status, 1, crossed.stderr);
  assert.match(crossed.stdout, /CROSSED: calls\/s@4>100000000: (inproc|tcp) getObj\(100\) throughput c=4 [\d,]+ calls\/s/);
  assert.match(crossed.stderr, /rpcbench bench: 1 threshold\(s\) crossed \(listed above\): calls\/s@4>100000000/);
  const report = JSON.parse(readFileSync(path.join(dir, 'latest.json'), 'utf8')) as Report;
  assert.deepEqual(
    report.thresholds?.map((t) => [t.threshold, t.ok]),
    [
      ['calls/s@4>100000000', false],
      ['p50<10s', true],
    ],
  );
  assert.match(readFileSync(path.join(dir, 'latest.md'), 'utf8'), /## Thresholds\n\n- CROSSED: calls\/s@4>100000000/);
});

test('the progress bar moves during in-process cells, with the time left from the plan', {
  skip: need('script(1), for a terminal', existsSync('/usr/bin/script') ? false : 'no /usr/bin/script (apt-get install bsdutils)'),
}, () => {
  // script(1) gives the bench a terminal, so it draws its bar; inproc calls never wait on a socket
  const cmd = `${process.execPath} ${BIN} bench --transports inproc --calls getObj --scenarios throughput --concurrency 16 --duration 1.5s --trials 2 --warmup 0 --no-wire --out ${tempDir()}`;
  const r = spawnSync('script', ['-qfec', cmd, '/dev/null'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stdout);
  const lefts = [...r.stdout.matchAll(/cells \| (\S+) left/g)].map((m) => m[1]);
  assert.ok(new Set(lefts).size >= 2, `the bar was redrawn as the cell ran: ${JSON.stringify(lefts)}`);
  assert.ok(
    lefts.every((l) => /^(\d+(\.\d)?s|\d+m[0-5]\ds)$/.test(l!)),
    JSON.stringify(lefts),
  );
});

test('a run against a foreign server marks its rows "(target)" in the summary, the markdown and the HTML', async () => {
  const { proc, match } = await startPeer(process.execPath, [BIN, 'serve', '--transport', 'tcp'], /listening (\S+)/);
  try {
    const out = tempDir();
    const r = runCli('bench.ts', [
      '--target',
      `tcp=${match[1]}`,
      '--calls',
      'getObj',
      '--scenarios',
      'latency',
      '--duration',
      '50ms',
      '--trials',
      '1',
      '--warmup',
      '0',
      '--no-wire',
      '--out',
      out,
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^tcp \(target\) /m);
    assert.match(readFileSync(path.join(out, 'latest.md'), 'utf8'), /^\| tcp \(target\) \|/m);
    assert.match(readFileSync(path.join(out, 'latest.html'), 'utf8'), /<td>tcp \(target\)<\/td>/);
  } finally {
    await stopPeer(proc);
  }
});
