// Shared by the tests: run a foreign peer or our CLI as a child process, and wait for what it prints.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** Starts a long-running peer and resolves with its process and the first match of `ready` in its stdout. */
export function startPeer(cmd: string, args: string[], ready: RegExp, timeoutMs = 15_000): Promise<{ proc: ChildProcess; match: RegExpMatchArray }> {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
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
        resolve({ proc, match });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
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
export function runCli(script: string, args: string[], timeoutMs = 120_000, env: Record<string, string> = {}): CliRun {
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/cli/${script}`, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function runAsync(cmd: string, args: string[], timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((resolve) => {
    const proc = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
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
