// Shared by the tests: run a foreign peer or our CLI as a child process, and wait for what it prints.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bench } from '../bench/api/index.ts';
import { renderMarkdown } from '../bench/formats/markdown.ts';
import { measureBytesPerCall } from '../bench/harness/byte-count.ts';
import { callSpec, createService, fib, makeObj, RemoteError } from '../transports/contract.ts';
import { loadTransport } from '../transports/registry.ts';
import type { ClientHandle } from '../transports/transport.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** tsx by its full address, so that a CLI run from another directory still finds it. */
const TSX = import.meta.resolve('tsx');
export const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/**
 * The contract through one client, as a foreign peer must serve it: every value, and the errors as their kinds.
 * `nonIntegers: false` for a peer whose types take fib(2.5) as fib(2) (a Java int parameter).
 */
export async function assertContract(client: ClientHandle, { nonIntegers = true } = {}): Promise<void> {
  const isKind = (kind: string) => (e: unknown) => e instanceof RemoteError && e.kind === kind;
  assert.deepEqual(await client.call('getObj', []), makeObj('server', 100));
  assert.equal(await client.call('sendObj', [makeObj('client', 100)]), null);
  assert.deepEqual(await Promise.all([0, 1, 20, 35].map((n) => client.call('fib', [n]))), [0, 1, 20, 35].map(fib));
  for (const n of [36, -1, ...(nonIntegers ? [2.5] : [])]) await assert.rejects(client.call('fib', [n]), isKind('ValueError'));
  await assert.rejects(client.call('nope', []), isKind('NameError'));
}

/**
 * Starts a long-running peer and resolves with its process, the first match of `ready` in what it prints (stdout or
 * stderr), and all it printed so far, read again with each call of `output`.
 */
export function startPeer(
  cmd: string,
  args: string[],
  ready: RegExp,
  timeoutMs = 15_000,
  env: Record<string, string> = {},
): Promise<{ proc: ChildProcess; match: RegExpMatchArray; output: () => string }> {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT, env: { ...process.env, ...env } });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill();
      reject(new Error(`${cmd} ${args.join(' ')} printed no ${ready} within ${timeoutMs} ms: ${out}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = out.match(ready);
      if (match) {
        clearTimeout(timer);
        resolve({ proc, match, output: () => out });
      }
    };
    proc.stdout!.on('data', onData);
    // some peers say they are ready on stderr (nats-server logs there)
    proc.stderr!.on('data', onData);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited with ${code} before ready: ${out}`));
    });
  });
}

export function stopPeer(proc: ChildProcess | undefined): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
  });
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npm run bench`'s entry point (or another bench/ script) synchronously. */
export function runCli(script: string, args: string[], timeoutMs = 120_000, env: Record<string, string> = {}, cwd = ROOT): CliRun {
  const entry = path.join(ROOT, 'bench/cli', script);
  const r = spawnSync(process.execPath, ['--import', TSX, entry, ...args], { cwd, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A --start-at time far enough ahead for generators started now to be ready by then: three times what `bench
 * --dry-run` with the same arguments takes here and now (loading, parsing: a baseline of this machine's present
 * speed), plus the warm-up and 2 s to connect. A fixed 5 s was too little on a busy machine.
 */
export function startAtAhead(benchArgs: string[], warmupSec: number): string {
  const started = performance.now();
  const dry = runCli('bench.ts', [...benchArgs, '--dry-run']);
  if (dry.status !== 0) throw new Error(`bench --dry-run failed: ${dry.stderr}`);
  return new Date(Date.now() + 3 * (performance.now() - started) + warmupSec * 1000 + 2000).toISOString();
}

/**
 * Runs the contract suite against one transport in a child (test/fixtures/contract-of.ts), as transports.test.ts runs
 * it for every transport, and asserts that it passed: the tests of what it leaves on a shared broker run it alone with
 * their own run id. The child runs without the variable by which node:test marks its own children (a child that
 * inherits it reports to a parent that is not listening, and runs nothing).
 */
export async function runContractSuiteOf(transport: string, env: Record<string, string>): Promise<void> {
  const childEnv = { ...env, RPCBENCH_CONTRACT_OF: transport, NODE_TEST_CONTEXT: undefined as unknown as string };
  const r = await runAsync(process.execPath, ['--import', 'tsx', '--test', 'test/fixtures/contract-of.ts'], 60_000, childEnv);
  assert.match(r.stdout, /^# pass [1-9]\d*$/m, r.stdout + r.stderr);
  assert.match(r.stdout, /^# fail 0$/m, r.stdout + r.stderr);
}

export function runAsync(cmd: string, args: string[], timeoutMs = 60_000, env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const proc = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    proc.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The live child processes of `pid` (Linux /proc), with their command lines. */
export function childProcesses(pid: number): Array<{ pid: number; cmdline: string }> {
  const out: Array<{ pid: number; cmdline: string }> = [];
  for (const entry of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    const stat = `/proc/${entry}/stat`;
    if (!existsSync(stat)) continue;
    try {
      const fields = readFileSync(stat, 'utf8').split(') ')[1]!.split(' ');
      if (Number(fields[1]) === pid) out.push({ pid: Number(entry), cmdline: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ') });
    } catch {
      // the process went away while we looked
    }
  }
  return out;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const temps: string[] = [];
const removeTemps = () => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
};
process.on('exit', removeTemps);
// the test runner stops a file that outlived its time with SIGTERM, a user with Ctrl-C: the directories go then too
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    removeTemps();
    process.kill(process.pid, signal);
  });

/** A temporary directory, removed when the test process exits. */
export function tempDir(prefix = 'rpcbench-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/** Every live process below `pid` (children, theirs, ...), with its command line: a test's own and no one else's. */
export function descendants(pid: number): Array<{ pid: number; cmdline: string }> {
  const out: Array<{ pid: number; cmdline: string }> = [];
  for (let level = childProcesses(pid); level.length; level = level.flatMap((p) => childProcesses(p.pid))) out.push(...level);
  return out;
}

/** The server children below `pid` (a bench the test started): the only ones a test may stop or kill. */
export const serverChildren = (pid: number) => descendants(pid).filter((p) => p.cmdline.includes('bench/harness/server-child.ts'));

/**
 * Stops a process for a while as a hung server would be, and always lets it go again (SIGCONT), also when the test
 * fails in between: a stopped process is never left behind.
 */
export async function stopFor(pid: number, ms: number): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  try {
    await new Promise((r) => setTimeout(r, ms));
  } finally {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // it is gone already
    }
  }
}

/**
 * Runs `work` while process `pid` is stopped, and lets it go again afterwards, also when `work` throws: what `work`
 * sends the process waits in its socket, and is read all at once when it goes on.
 */
export async function whileStopped(pid: number, work: () => Promise<void> | void): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  try {
    await work();
  } finally {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // it is gone already
    }
  }
}

/** Ends a process the test started, stopped or not: SIGCONT first (a stopped process does not act on SIGKILL's queue-mates), then SIGKILL. */
export function killHard(pid: number | undefined): void {
  if (pid === undefined) return;
  for (const signal of ['SIGCONT', 'SIGKILL'] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return; // gone
    }
  }
}

/** Resident memory of a process in MB. */
export function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

/** CPU seconds a process has used (utime + stime, in clock ticks of 10 ms). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Waits until process `pid` is working: 20 ms of CPU within 100 ms. A server is, once a trial's calls reach it: a
 * test that must act inside a trial waits for that, not a fixed time after the cell's line.
 */
export async function busy(pid: number, timeoutMs = 30_000): Promise<boolean> {
  let last = cpuSeconds(pid);
  return eventually(
    () => {
      const now = cpuSeconds(pid);
      const working = now - last >= 0.02;
      last = now;
      return working;
    },
    timeoutMs,
    100,
  );
}

/** Waits until process `pid` is idle: under 50 ms of CPU within 500 ms (a server done with what a test sent it). */
export async function idle(pid: number, timeoutMs = 30_000): Promise<boolean> {
  return eventually(
    async () => {
      const from = cpuSeconds(pid);
      await new Promise((r) => setTimeout(r, 500));
      return cpuSeconds(pid) - from < 0.05;
    },
    timeoutMs,
    0,
  );
}

/** Waits until `check` holds, polling; false if it did not within `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000, everyMs = 50): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return check();
}

/** A bench (or other bench/cli script) run in the background: its output so far, and its end. */
export function spawnCli(script: string, args: string[], env: Record<string, string> = {}, detached = false) {
  const proc = spawn(process.execPath, ['--import', 'tsx', `bench/cli/${script}`, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
    detached,
  });
  const out = { stdout: '', stderr: '' };
  proc.stdout!.on('data', (c: Buffer) => (out.stdout += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (out.stderr += c.toString()));
  // the run's server children, noted while it runs: one its end orphans is still this test's to account for
  const noting = setInterval(() => {
    for (const s of serverChildren(proc.pid!)) spawnedServers.add(s.pid);
  }, 100);
  const exited = new Promise<number | null>((resolve) =>
    proc.on('close', (code, signal) => {
      clearInterval(noting);
      resolve(code ?? (signal ? -1 : null));
    }),
  );
  return { proc, out, exited };
}

/** Every server child seen below a run this test process started (spawnCli): what must be gone when its tests end. */
export const spawnedServers = new Set<number>();

/** The server children this test process's runs started that are still alive (orphans included). */
export function leftoverServers(): number[] {
  return [...spawnedServers].filter((pid) => {
    try {
      return isAlive(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('server-child');
    } catch {
      return false;
    }
  });
}

/** Whether something accepts TCP connections on host:port (127.0.0.1 unless said) within timeoutMs. */
export function portAnswers(port: number, host = '127.0.0.1', timeoutMs = 3000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host, timeout: timeoutMs });
    const done = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.on('connect', () => done(true));
    socket.on('error', () => done(false));
    socket.on('timeout', () => done(false)); // no answer within the deadline (a dropped SYN) is no answer
  });
}

/**
 * Sends `bytes` to `address`'s port on a connection of its own, reading replies with `decoder`: the replies that came
 * back before the server closed the connection, or `waitMs` passed, and whether it closed it.
 */
export async function rawExchange<T>(
  address: string,
  bytes: Buffer,
  decoder: { push(chunk: Buffer): T[] },
  waitMs = 500,
): Promise<{ replies: T[]; closed: boolean }> {
  const socket = net.connect({ host: '127.0.0.1', port: Number(new URL(address).port) });
  const replies: T[] = [];
  socket.on('data', (d: Buffer) => replies.push(...decoder.push(d)));
  const closed = new Promise<boolean>((resolve) => {
    socket.on('close', () => resolve(true));
    socket.on('error', () => {});
    setTimeout(() => resolve(false), waitMs);
  });
  socket.write(bytes);
  const wasClosed = await closed;
  socket.destroy();
  return { replies, closed: wasClosed };
}

/** `use` on a channel of its own on RabbitMQ at `url` (a channel error, such as a missing queue, is `use`'s to see). */
async function withAmqpChannel<T>(url: string, use: (ch: import('amqplib').Channel) => Promise<T>): Promise<T> {
  const { default: amqp } = await import('amqplib');
  const conn = await amqp.connect(url);
  try {
    const ch = await conn.createChannel();
    ch.on('error', () => {});
    return await use(ch);
  } finally {
    await conn.close().catch(() => {});
  }
}

/** Deletes `queue` on the broker at `url` if it is there: a test's own cleanup, which must not fail. */
export const amqpDeleteQueue = (url: string, queue: string): Promise<void> =>
  withAmqpChannel(url, async (ch) => void (await ch.deleteQueue(queue).catch(() => {})));

/** Whether RabbitMQ at `url` holds `queue` (a missing queue closes the channel: checkQueue rejects). */
export const amqpQueueExists = (url: string, queue: string): Promise<boolean> =>
  withAmqpChannel(url, (ch) =>
    ch.checkQueue(queue).then(
      () => true,
      () => false,
    ),
  );

/**
 * A brokered row's bytes on the wire for getObj, counted on the client's own sockets (the client goes to the broker
 * its first hop names, past any relay): the request more than its headers, the reply at least the JSON of 100 entries.
 */
export async function assertBytesOnTheWire(name: string, listen: string): Promise<void> {
  const transport = await loadTransport(name);
  const server = await transport.serve!(listen, createService({ payloadEntries: 100, serverWorkUs: 0 }), { maxMessageBytes: 1 << 20 });
  try {
    const spec = callSpec('getObj', { payloadEntries: 100, fibN: 20 });
    const bytes = await measureBytesPerCall(transport, server.address, spec, { timeoutMs: 5000, maxMessageBytes: 1 << 20 });
    const floor = spec.payloadBytes.response;
    assert.ok(bytes && bytes.request > 30 && bytes.response >= floor, `${JSON.stringify(bytes)} against a reply of ${floor} B`);
  } finally {
    await server.close();
    await transport.forget?.(listen);
  }
}

/**
 * The two tests of a row whose server is the reference implementation, run by our server child: a run's report names
 * it (`named`, in the JSON and in latest.md) and counts its CPU as the server's (fib(20) takes tens of µs in it; the
 * child only waits), and the reference's process (`isReference`, by its command line) goes when its server child is
 * killed with -9 (its stdin ends).
 */
export function referenceServerTests(row: string, named: RegExp, isReference: (cmdline: string) => boolean): void {
  test(`a run's report says whose server it was, and counts its CPU as the server's`, async () => {
    // the report is all this test reads: from the API, in this process (the command's files are outputs.test.ts's)
    const report = await bench({ transports: [row], calls: ['fib'], scenarios: ['latency'], trials: 1, warmup: 0, args: ['--count', '200', '--no-wire'] });
    assert.deepEqual(report.skipped, []);
    assert.match(report.meta.transports[row]?.referenceServer ?? '', named);
    assert.match(renderMarkdown(report), new RegExp(`servers not ours: ${row}: ${named.source.replace(/^\^/, '')}`));
    const [cell] = report.results;
    assert.equal(cell?.errors, 0);
    assert.ok((cell?.cpuUsPerCall.server ?? 0) > 10, JSON.stringify(cell?.cpuUsPerCall));
  });

  test("the row's reference server goes when its server child is killed with -9", async (t) => {
    const args = ['--transports', row, '--calls', 'fib', '--scenarios', 'latency', '--duration', '20s', '--trials', '1', '--no-wire'];
    const run = spawnCli('bench.ts', [...args, '--out', tempDir()]);
    t.after(() => run.proc.kill('SIGKILL'));
    assert.ok(await eventually(() => run.out.stderr.includes(`${row} fib latency`), 120_000, 100), run.out.stderr);
    const [ref] = descendants(run.proc.pid!).filter((p) => isReference(p.cmdline));
    assert.ok(ref, 'the reference server runs under the server child');
    t.after(() => killHard(ref.pid));
    for (const s of serverChildren(run.proc.pid!)) killHard(s.pid);
    assert.ok(await eventually(() => !isAlive(ref.pid), 15_000), `the reference server ${ref.pid} outlived its server child`);
    assert.equal(await run.exited, 1, run.out.stderr);
    assert.match(run.out.stdout, /server process exited \(SIGKILL\)/);
  });
}
