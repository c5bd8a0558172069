// Starts the server a benchmark talks to: in a child process (the default), in the bench process (a transport
// whose traits say inProcess), or not at all (--target: a server somebody else runs).
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createService, type ServiceOptions } from '../../transports/contract.ts';
import type { ServerOptions, Transport } from '../../transports/transport.ts';
import { onShutdown } from './shutdown.ts';

export interface ServerProcessConfig {
  transport: string;
  listen: string;
  service: ServiceOptions;
  server: ServerOptions;
}

export interface RunningServer {
  address: string;
  /** CPU used by the server process so far (microseconds), or null when it is not ours to measure. */
  cpuUsageUs(): Promise<number | null>;
  /** Why the server is gone, if it died; waits up to `waitMs` for a dying process to be reported. */
  deathReason(waitMs?: number): Promise<string | null>;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;
const tsxLoader = import.meta.resolve('tsx');
const entry = fileURLToPath(new URL('./server-child.ts', import.meta.url));

export function targetServer(address: string): RunningServer {
  return { address, cpuUsageUs: async () => null, deathReason: async () => null, stop: async () => {} };
}

export async function startServer(transport: Transport, config: Omit<ServerProcessConfig, 'transport'>): Promise<RunningServer> {
  if (transport.traits.inProcess) {
    const handle = await transport.serve(config.listen, createService(config.service), config.server);
    return { address: handle.address, cpuUsageUs: async () => null, deathReason: async () => null, stop: () => handle.close() };
  }
  const count = transport.traits.serverProcesses;
  const children = await Promise.all(Array.from({ length: count }, () => startChild({ ...config, transport: transport.name })));
  return count === 1 ? children[0]! : combine(children);
}

/** Competing server processes (e.g. consumers on one queue) seen as one server: CPU adds up, any death counts. */
function combine(children: RunningServer[]): RunningServer {
  return {
    address: children[0]!.address,
    cpuUsageUs: async () => {
      const each = await Promise.all(children.map((c) => c.cpuUsageUs()));
      return each.some((u) => u === null) ? null : each.reduce((a, b) => a! + b!, 0);
    },
    deathReason: async (waitMs) => (await Promise.all(children.map((c) => c.deathReason(waitMs)))).find((r) => r !== null) ?? null,
    stop: async () => void (await Promise.all(children.map((c) => c.stop()))),
  };
}

async function startChild(config: ServerProcessConfig): Promise<RunningServer> {
  const child = fork(entry, [JSON.stringify(config)], { execArgv: ['--import', tsxLoader], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const stderr: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (s: string) => stderr.push(...s.split('\n').filter(Boolean).slice(-20)));
  let death: string | null = null;
  const exited = new Promise<void>((resolve) =>
    child.on('exit', (code, signal) => {
      death ??= `${config.transport} server process exited (${signal ?? `code ${code}`})${tail(stderr)}`;
      resolve();
    }),
  );
  child.on('error', () => {}); // IPC to a dying child fails with EPIPE; the exit event says what happened
  const unregister = onShutdown(() => stopChild(child));
  const address = await waitReady(child, config, () => death);
  return {
    address,
    cpuUsageUs: () => askCpu(child),
    deathReason: async (waitMs = 0) => {
      if (!death && waitMs > 0) await Promise.race([exited, new Promise((r) => setTimeout(r, waitMs))]);
      return death;
    },
    stop: async () => {
      unregister();
      await stopChild(child);
    },
  };
}

function waitReady(child: ChildProcess, config: ServerProcessConfig, death: () => string | null): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${config.transport} server did not start within ${READY_TIMEOUT_MS / 1000} s`));
    }, READY_TIMEOUT_MS);
    child.on('message', (msg: { type: string; address?: string; message?: string }) => {
      if (msg.type === 'ready') resolve(msg.address!);
      if (msg.type === 'failed') reject(new Error(`${config.transport} server failed to start on ${config.listen}: ${msg.message}`));
      if (msg.type !== 'cpu') clearTimeout(timer);
    });
    child.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(death() ?? 'server exited'));
    });
  });
}

let nextCpuId = 0;
function askCpu(child: ChildProcess): Promise<number | null> {
  if (!child.connected) return Promise.resolve(null);
  const id = nextCpuId++;
  return new Promise((resolve) => {
    const done = (value: number | null) => {
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(value);
    };
    const onMessage = (msg: { type: string; id?: number; usage?: NodeJS.CpuUsage }) => {
      if (msg.type === 'cpu' && msg.id === id) done(msg.usage!.user + msg.usage!.system);
    };
    const onExit = () => done(null);
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send({ type: 'cpu', id }, (error) => error && done(null));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  if (child.connected) child.send({ type: 'stop' }, () => {});
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

const tail = (lines: string[]) => (lines.length ? `; its last output: ${lines.slice(-5).join(' | ')}` : '');
