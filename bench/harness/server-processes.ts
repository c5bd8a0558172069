// Starts the server a benchmark talks to: in a child process (the default), in the bench process (a transport
// whose traits say inProcess), or not at all (--target: a server somebody else runs).
// Every request to a child has a deadline: a child that misses one is declared hung, killed, and reported.
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createService, type ServiceOptions } from '../../transports/contract.ts';
import { findTransport } from '../../transports/registry.ts';
import { maskAddress } from '../../transports/support/address.ts';
import type { ServerOptions, Transport } from '../../transports/transport.ts';
import { onShutdown } from './shutdown.ts';

export interface ServerProcessConfig {
  transport: string;
  /** The plugin module the transport comes from, which the child loads first; absent for a built-in. */
  plugin?: string;
  listen: string;
  service: ServiceOptions;
  server: ServerOptions;
}

/** Our server process is gone (it exited, or it stopped answering and was killed): the reason says which. */
export class ServerGone extends Error {}

export interface RunningServer {
  address: string;
  /**
   * CPU used by the server process so far (microseconds), or null when it is not ours to measure.
   * Rejects with ServerGone when our server has died or does not answer within CHILD_ANSWER_MS.
   */
  cpuUsageUs(): Promise<number | null>;
  /** Why the server is gone, if it died; waits up to `waitMs` for a dying process to be reported. */
  deathReason(waitMs?: number): Promise<string | null>;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;
/** A child that takes longer than this to report its CPU time is hung (SIGSTOPped, or stuck in a loop). */
export const CHILD_ANSWER_MS = 2000;
const tsxLoader = import.meta.resolve('tsx');
// the child's entry beside this module: .ts in a checkout, .js in the built package
const entry = fileURLToPath(new URL(`./server-child${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url));

export function targetServer(address: string): RunningServer {
  return { address, cpuUsageUs: async () => null, deathReason: async () => null, stop: async () => {} };
}

export async function startServer(transport: Transport, config: Omit<ServerProcessConfig, 'transport' | 'plugin'>): Promise<RunningServer> {
  if (!transport.serve) throw new Error(`${transport.name} has no server of its own: give it --target`);
  if (transport.traits.inProcess) {
    const handle = await transport.serve(config.listen, createService(config.service), config.server);
    return { address: handle.address, cpuUsageUs: async () => null, deathReason: async () => null, stop: () => handle.close() };
  }
  const count = transport.traits.serverProcesses;
  const plugin = findTransport(transport.name)?.plugin;
  // a child makes its broker state (a queue, a topic, a group) before it says it is ready: one that dies before
  // that, or a Ctrl-C then, leaves it too
  const forget = transport.forget ? forgetter(config.listen, transport.forget) : undefined;
  const started = await Promise.allSettled(Array.from({ length: count }, () => startChild({ ...config, transport: transport.name, plugin })));
  const children = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failure = started.find((s) => s.status === 'rejected');
  if (failure) {
    await Promise.all(children.map((c) => c.stop()));
    await forget?.();
    throw (failure as PromiseRejectedResult).reason;
  }
  const server = count === 1 ? children[0]! : combine(children);
  return forget ? forgetting(server, forget) : server;
}

/** Deletes the state at Ctrl-C (after the servers stopped), or when called: then no longer at Ctrl-C. */
function forgetter(listen: string, forget: (listen: string) => Promise<void>): () => Promise<void> {
  const unregister = onShutdown(() => forget(listen), 'brokers');
  return () => {
    unregister();
    return forget(listen);
  };
}

/**
 * A server whose broker state the run deletes itself once its processes are stopped: a child killed with -9
 * (or that crashed) left its queue or stream for a restart that will not come. Also on Ctrl-C.
 */
function forgetting(server: RunningServer, forget: () => Promise<void>): RunningServer {
  return {
    ...server,
    stop: async () => {
      await server.stop();
      await forget();
    },
  };
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
  // The config (addresses with credentials in them) goes over IPC, never in argv, which `ps` shows to every local user.
  const child = fork(entry, [], { execArgv: ['--import', tsxLoader], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
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
  child.send({ type: 'config', config });
  const address = await waitReady(child, config, () => death).catch(async (error: Error) => {
    unregister();
    await stopChild(child);
    throw error;
  });
  const deathReason = async (waitMs = 0) => {
    if (!death && waitMs > 0) await Promise.race([exited, new Promise((r) => setTimeout(r, waitMs))]);
    return death;
  };
  return {
    address,
    async cpuUsageUs() {
      const usage = await askCpu(child, CHILD_ANSWER_MS);
      if (usage !== 'hung' && usage !== null) return usage;
      if (usage === 'hung') {
        death ??= `${config.transport} server process did not answer within ${CHILD_ANSWER_MS / 1000} s (hung or stopped): declared failed and killed`;
        child.kill('SIGKILL');
      }
      throw new ServerGone((await deathReason(1000)) ?? `${config.transport} server process is gone`);
    },
    deathReason,
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
      // the listen address may carry a password (a broker URL): never in a message
      if (msg.type === 'failed') reject(new Error(`${config.transport} server failed to start on ${maskAddress(config.listen)}: ${msg.message}`));
      if (msg.type !== 'cpu') clearTimeout(timer);
    });
    child.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(death() ?? 'server exited'));
    });
  });
}

let nextCpuId = 0;
/** The child's CPU time in µs; null when it is gone; 'hung' when it did not answer within `deadlineMs`. */
function askCpu(child: ChildProcess, deadlineMs: number): Promise<number | null | 'hung'> {
  if (!child.connected) return Promise.resolve(null);
  const id = nextCpuId++;
  return new Promise((resolve) => {
    const timer = setTimeout(() => done('hung'), deadlineMs);
    const done = (value: number | null | 'hung') => {
      clearTimeout(timer);
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

/** Asks the child to stop; SIGKILL after 3 s (a hung or stopped child never answers). */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  if (child.connected) child.send({ type: 'stop' }, () => {});
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

const tail = (lines: string[]) => (lines.length ? `; its last output: ${lines.slice(-5).map(maskAddress).join(' | ')}` : '');
