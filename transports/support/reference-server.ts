// A reference implementation's server (a Spring Boot app, an rpcx server in Go) run as a row's server: our server
// child starts it, waits for the line that says where it listens, counts its CPU as the server's, and stops it with
// itself. Its stdin stays open: the program exits when stdin ends, that is when our child is gone, even killed with -9.
import { type ChildProcess, spawn } from 'node:child_process';
import type { ServerHandle } from '../transport.ts';
import { processCpuUs } from './process-cpu.ts';

export interface ReferenceServer {
  /** Who it is, for messages: "the Spring Boot server". */
  what: string;
  command: string;
  args: string[];
  /** Its line once it listens; the first group is the address clients connect to. */
  ready: RegExp;
  /** How long it may take to listen (a JVM's first start on a busy machine is slow). */
  readyMs: number;
}

/** Grace between SIGTERM and SIGKILL. */
const STOP_MS = 5000;

export async function startReference(ref: ReferenceServer): Promise<ServerHandle> {
  const child = spawn(ref.command, ref.args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const output: string[] = [];
  for (const s of [child.stdout!, child.stderr!]) s.setEncoding('utf8').on('data', (d: string) => output.push(...d.split('\n').filter(Boolean).slice(-20)));
  const exited = new Promise<string>((resolve) => {
    child.on('error', (error) => resolve(`${ref.what} could not start: ${error.message}`));
    child.on('exit', (code, signal) => resolve(`${ref.what} exited (${signal ?? `code ${code}`})`));
  });
  const address = await ready(ref, child, exited, output);
  let closing = false;
  return {
    address,
    failed: exited.then((why) => new Error(`${why}${tail(output)}`)).then((e) => (closing ? new Promise<Error>(() => {}) : e)),
    childCpuUs: () => (child.pid === undefined ? null : processCpuUs(child.pid)),
    async close() {
      closing = true;
      await stop(child, exited);
    },
  };
}

/** The address it printed once it listens, or why it did not within its time (it is stopped then). */
async function ready(ref: ReferenceServer, child: ChildProcess, exited: Promise<string>, output: string[]): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const listening = new Promise<string>((resolve) =>
    child.stdout!.on('data', (d: string) => {
      const m = ref.ready.exec(d);
      if (m) resolve(m[1]!);
    }),
  );
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${ref.what} did not listen within ${ref.readyMs / 1000} s${tail(output)}`)), ref.readyMs);
  });
  try {
    return await Promise.race([listening, late, exited.then((why) => Promise.reject(new Error(`${why}${tail(output)}`)))]);
  } catch (error) {
    await stop(child, exited);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** SIGTERM (a Spring context closes, an rpcx server stops listening), then SIGKILL after STOP_MS. */
async function stop(child: ChildProcess, exited: Promise<string>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_MS);
  await exited;
  clearTimeout(timer);
}

const tail = (lines: string[]) => (lines.length ? `; its last output: ${lines.slice(-5).join(' | ')}` : '');
