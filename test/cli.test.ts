// CLI behaviour on bad input and failures: one clear line, exit 2 for usage, nothing hangs, reports still written.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Report } from '../bench/report/types.ts';
import { childProcesses, eventually, ROOT, runCli, spawnCli, tempDir } from './helpers.ts';

const usageCases: Array<[string[], RegExp]> = [
  [['--transports', 'nope'], /--transports: unknown "nope"; allowed: inproc, tcp/],
  [['--calls', 'fib,foo'], /--calls: unknown "foo"; allowed: getObj, sendObj, fib/],
  [['--scenarios', 'soak'], /allowed: latency, throughput, rate/],
  [['--concurrency', '0'], /--concurrency: "0" is not a whole number/],
  [['--duration', 'soon'], /--duration: "soon" is not a duration/],
  [['--fib-n', '36'], /--fib-n: "36" is not a whole number from 0 to 35/],
  [['--target', 'xmlrpc'], /--target: "xmlrpc" should be NAME=ADDRESS/],
  [['--target', 'grpcx=tcp://x:1'], /--target: unknown transport "grpcx"/],
  [['--frobnicate'], /Unknown option '--frobnicate'/],
  // an empty value is a mistake, not "the default"
  [['--concurrency', ''], /--concurrency: needs a value, got an empty string/],
  [['--duration', ''], /--duration: needs a value, got an empty string/],
  [['--trials', ' '], /--trials: needs a value, got an empty string/],
  [['--out', ''], /--out: needs a value, got an empty string/],
  // a malformed target is refused before anything starts
  [['--target', 'tcp=notaurl'], /--target: tcp: bad address "notaurl": expected a URL like tcp:\/\/127\.0\.0\.1:4242/],
  [['--target', 'tcp=http://127.0.0.1:80'], /--target: tcp: bad address "http:\/\/127\.0\.0\.1:80": expected tcp:\/\/HOST:PORT/],
  [['--target', 'tcp=tcp://127.0.0.1'], /--target: tcp: bad address tcp:\/\/127\.0\.0\.1: needs a port/],
  [['--target', 'inproc=inproc://x'], /--target: inproc runs in-process and cannot target a server/],
  [['--target', 'amqp=amqp://u:hunter2@127.0.0.1:99999'], /--target: amqp:direct-reply: .*u:\*\*\*@/],
  [['--target', '-x'], /--target: its value starts with '-'; write --target=VALUE/],
  [['--concurrency', '-1'], /--concurrency: its value starts with '-'; write --concurrency=VALUE/],
  [['--duration', '1m60x'], /--duration: "1m60x" is not a duration like 0\.5, 500ms, 2s, 1m or 1m30s/],
  [['--duration', '2h'], /--duration: "2h" is not a duration .*at most 3600 s/],
  // absolute thresholds are checked before anything runs
  [['--threshold', 'p42<1'], /--threshold: "p42<1": unknown metric "p42"; allowed: p50, p90/],
  [['--threshold', 'tcp:p99<2h'], /--threshold: "tcp:p99<2h": p99 takes us, µs, ms, s or no unit, not "h"/],
  [['--threshold', 'p99 about 2ms'], /--threshold: "p99 about 2ms" is not \[TRANSPORT:\]\[CALL:\]METRIC\[@C\] OP VALUE/],
  [['--threshold', 'nope:p99<1ms'], /--threshold: unknown transport "nope"/],
  [['--transports', 'tcp', '--threshold', 'http:p50<1ms'], /threshold "http:p50<1ms" is about http, which this run does not include/],
  [['--threshold', 'calls/s@0>1'], /@0 is not a concurrency/],
];

for (const [args, message] of usageCases) {
  test(`bench ${args.map((a) => JSON.stringify(a)).join(' ')} exits 2 with one line`, () => {
    const r = runCli('bench.ts', args);
    assert.equal(r.status, 2);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /hunter2/);
  });
}

test('output paths are checked before the run: --out naming a file, or a directory that cannot be made, exits 2 at once', () => {
  const dir = tempDir();
  const file = path.join(dir, 'a-file');
  writeFileSync(file, 'x');
  for (const out of [file, path.join(file, 'below')]) {
    const r = runCli('bench.ts', ['--transports', 'tcp', '--quick', '--out', out]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(
      r.stderr,
      /^rpcbench bench: error: --out: cannot write reports to .*: (it is not a directory|a part of the path is a file|a file is in the way)\n$/,
    );
    // refused before running: the error is the whole of stderr, with no progress line before it
    assert.equal(r.stdout, '');
  }
});

test('serve refuses an empty or unbounded value before it binds anything', () => {
  const huge = runCli('serve.ts', ['--transport', 'tcp', '--payload-entries', '99999999999']);
  assert.equal(huge.status, 2);
  assert.match(huge.stderr, /--payload-entries: "99999999999" is not a whole number from 0 to 1000000/);
  const empty = runCli('serve.ts', ['--transport', '']);
  assert.equal(empty.status, 2);
  assert.match(empty.stderr, /--transport: needs a value/);
});

test('--count runs exactly that many calls a trial, and the payload sweep runs fib once', () => {
  const out = tempDir();
  const args = [
    '--transports',
    'tcp',
    '--scenarios',
    'latency',
    '--count',
    '50',
    '--trials',
    '2',
    '--payload-entries',
    '10,1000',
    '--warmup',
    '0.1',
    '--no-wire',
    '--out',
    out,
  ];
  const r = runCli('bench.ts', args);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')) as Report;
  const cells = report.results.map((c) => `${c.call}/${c.payloadEntries}`).sort();
  assert.deepEqual(cells, ['fib/10', 'getObj/10', 'getObj/1000', 'sendObj/10', 'sendObj/1000']);
  for (const cell of report.results) for (const t of cell.trials) assert.equal(t.calls + t.errors, 50);
  const big = report.results.find((c) => c.call === 'getObj' && c.payloadEntries === 1000)!;
  assert.ok(big.payloadBytes.response > 15_000, String(big.payloadBytes.response));
});

test('--list names every transport, one a line with its summary; --help shows the options', async () => {
  const { transports } = await import('../transports/registry.ts');
  const list = runCli('bench.ts', ['--list']);
  assert.equal(list.status, 0);
  const lines = list.stdout.trim().split('\n');
  assert.equal(lines.length, transports().length);
  for (const [i, t] of transports().entries())
    assert.match(lines[i]!, new RegExp(`^${t.name.replace(/[.*:]/g, '\\$&')} +${t.summary.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  const help = runCli('bench.ts', ['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--payload-entries/);
});

test('serve refuses an unknown transport and an address it cannot bind', () => {
  assert.match(runCli('serve.ts', ['--transport', 'nope']).stderr, /unknown transport "nope"/);
  const r = runCli('serve.ts', ['--transport', 'tcp', '--listen', 'tcp://127.0.0.1:99999']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /cannot serve tcp on tcp:\/\/127.0.0.1:99999/);
});

test('a target nobody listens on is a clear failure, not a hang', () => {
  const out = tempDir();
  const r = runCli('bench.ts', ['--target', 'tcp=tcp://127.0.0.1:9', '--quick', '--out', out], 30_000);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /skipped tcp getObj: failed: .*ECONNREFUSED/);
});

test('a server that dies mid-run: clear reason, other transports still run, report written, exit 1', async () => {
  const out = tempDir();
  const args = [
    '--import',
    'tsx',
    'bench/cli/bench.ts',
    '--transports',
    'tcp,http',
    '--calls',
    'fib',
    '--duration',
    '1s',
    '--trials',
    '3',
    '--concurrency',
    '1',
    '--out',
    out,
  ];
  const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let killed = false;
  proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  proc.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
    // once the tcp cells run, kill the tcp server process from outside, as a crash would; http's server is up too
    // (rounds interleave the transports' trials), and must live on
    if (!killed && /tcp fib latency/.test(stderr)) {
      killed = true;
      setTimeout(() => killFirstServer(proc.pid!), 300);
    }
  });
  const status = await new Promise((resolve) => {
    proc.on('close', resolve);
    setTimeout(() => proc.kill('SIGKILL'), 100_000).unref(); // never outlive the test
  });
  assert.equal(status, 1, stderr);
  assert.match(stdout, /skipped tcp fib: failed: tcp server process exited \(SIGKILL\)/);
  const report = JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')) as Report;
  assert.ok(
    report.results.some((c) => c.transport === 'http'),
    'http still ran',
  );
  assert.ok(report.skipped.some((s) => s.transport === 'tcp' && /SIGKILL/.test(s.reason)));
});

/** SIGKILLs the server child processes of `pid`, so only that server dies. */
/** The first server a run started (groups start in plan order, one after another: tcp's here), killed with -9. */
function killFirstServer(pid: number): void {
  const [first] = childProcesses(pid)
    .filter((c) => c.cmdline.includes('server-child'))
    .sort((a, b) => a.pid - b.pid);
  if (first) process.kill(first.pid, 'SIGKILL');
}

test('--target GROUP=URL runs the client-side variants against the foreign server, and none of our own servers unless named', async () => {
  const { parseOptions } = await import('../bench/cli/bench-options.ts');
  const url = 'amqp://127.0.0.1:5672?queue=rpc_queue';
  const clientSide = ['amqp:direct-reply', 'amqp:exclusive-queue'];
  const alone = parseOptions(['--target', `amqp=${url}`]);
  assert.deepEqual(alone.targets, Object.fromEntries(clientSide.map((n) => [n, url])));
  assert.deepEqual(alone.transports, clientSide);
  // the group in --transports means its targeted members: no own server slips in beside the foreign one
  assert.deepEqual(parseOptions(['--transports', 'amqp', '--target', `amqp=${url}`]).transports, clientSide);
  // asked for by name, our own server runs too; and a target always runs
  const named = parseOptions(['--transports', 'tcp,amqp:persistent-confirms', '--target', `amqp=${url}`]);
  assert.deepEqual(named.transports, ['tcp', 'amqp:persistent-confirms', ...clientSide]);
  assert.ok(!('amqp:persistent-confirms' in named.targets));
  // a group in --server-work-us means all of its members
  const { groupMembers } = await import('../transports/registry.ts');
  const work = parseOptions(['--server-work-us', 'amqp=40']).serverWorkUsByTransport;
  assert.deepEqual(
    Object.keys(work).sort(),
    groupMembers('amqp')
      .map((t) => t.name)
      .sort(),
  );
});

test('serve --transport GROUP serves its first member and says which', async (t) => {
  const { resolve, loadTransport } = await import('../transports/registry.ts');
  assert.equal(resolve('amqp', 'one')[0]?.name, 'amqp:direct-reply');
  assert.match(runCli('serve.ts', ['--help']).stdout, /amqp = amqp:direct-reply/);
  // the group thrift served for real: it names its member, and a thrift:binary client's call is answered
  const run = spawnCli('serve.ts', ['--transport', 'thrift', '--listen', 'tcp://127.0.0.1:0']);
  t.after(() => void run.proc.kill('SIGTERM'));
  assert.ok(await eventually(() => /^listening \S+ \(thrift:binary\)$/m.test(run.out.stdout), 20_000), run.out.stdout + run.out.stderr);
  const address = /^listening (\S+)/m.exec(run.out.stdout)![1]!;
  const client = await (await loadTransport('thrift:binary')).connect(address, { timeoutMs: 5000, maxMessageBytes: 1 << 20 });
  try {
    assert.equal(await client.call('fib', [10]), 55);
  } finally {
    await client.close();
  }
  run.proc.kill('SIGTERM');
  assert.equal(await run.exited, 143);
});
