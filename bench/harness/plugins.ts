// Transports from outside the repo: `--plugin PATH` (repeatable) or "plugins" in rpcbench.config.json. A plugin is a
// module whose default export is a transport descriptor or an array of them (without a default export: every named
// export that is one): the Transport interface of transports/transport.ts, the same as a built-in's registry line and
// file together. With its line in the registry, a plugin's transport runs in bench, serve, --target, thresholds and
// compare like any row. A plugin that cannot be used is bad input: exit 2 with one line, before anything runs.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CallTimeoutError, METHODS } from '../../transports/contract.ts';
import { addTransports, allowedNames, type TransportEntry } from '../../transports/registry.ts';
import { deadline } from '../../transports/support/deadline.ts';
import { MEASURED, type Transport, type TransportTraits } from '../../transports/transport.ts';
import { BadInput } from '../report/errors.ts';

export class PluginError extends BadInput {}

const NAME = /^[a-z0-9][a-z0-9._-]*(:[a-z0-9._-]+)?$/i;
const TRAIT_KEYS = Object.keys(MEASURED);

/** Loads each plugin module (paths relative to `base`), checks its descriptors and adds them to the registry; returns their absolute paths. */
export async function registerPlugins(paths: readonly string[], base = process.cwd()): Promise<string[]> {
  const files = [...new Set(paths.map((p) => path.resolve(base, p)))];
  for (const file of files) {
    const shown = path.relative(process.cwd(), file) || file;
    const entries = descriptorsOf(await importPlugin(file, shown), shown).map((d) => entryOf(check(d, shown), file));
    addTransports(entries);
  }
  return files;
}

/**
 * How long a plugin may take to load: far more than a module needs, far less than a user waits for a hang
 * (RPCBENCH_PLUGIN_LOAD_MS sets it: the tests' 2 s). 30 s: a TypeScript plugin of the installed package, loaded in
 * its thread through tsx, took past 10 s on a busy 2-core CI machine, and about 1 s on a quiet one.
 */
export const PLUGIN_LOAD_MS = Number(process.env.RPCBENCH_PLUGIN_LOAD_MS) || 30_000;

/**
 * A plugin's module, loaded first in a thread of its own (issue 32: a synchronous loop at import hung the tool, and
 * an import that never settled hung it or, with nothing else to wait for, ended it with exit 0 and no word). The
 * thread is stopped if the module is not loaded within PLUGIN_LOAD_MS; then it is imported here, under the same
 * deadline.
 */
async function importPlugin(file: string, shown: string): Promise<Record<string, unknown>> {
  if (!existsSync(file)) throw new PluginError(`plugin ${shown}: no such file`);
  await probeLoad(file, shown);
  if (/\.[mc]?ts$/.test(file)) await typeScriptLoader();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PluginError(`plugin ${shown} did not finish loading within ${PLUGIN_LOAD_MS / 1000} s`)), PLUGIN_LOAD_MS);
  });
  try {
    return (await Promise.race([import(pathToFileURL(file).href), late])) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof PluginError) throw error;
    throw new PluginError(`plugin ${shown} does not load: ${firstLine(error)}`);
  } finally {
    clearTimeout(timer);
  }
}

const firstLine = (error: unknown) =>
  String((error as Error)?.message ?? error)
    .split('\n')[0]!
    .slice(0, 300);

let tsx: Promise<void> | undefined;
/**
 * A TypeScript plugin needs tsx's loader in this thread: the checkout's bin has it already, the installed package (its
 * JavaScript build) registers it here, once, for the plugins that need it.
 */
function typeScriptLoader(): Promise<void> {
  tsx ??= import('tsx/esm/api').then(({ register }) => void register());
  return tsx;
}

/** Loads the module in a worker thread, which is stopped past the deadline: what a busy loop at import cannot hang. */
function probeLoad(file: string, shown: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./plugin-probe.mjs', import.meta.url), { workerData: pathToFileURL(file).href, stdout: true, stderr: true });
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new PluginError(`plugin ${shown} did not finish loading within ${PLUGIN_LOAD_MS / 1000} s (does it wait for something at import, or loop?)`));
    }, PLUGIN_LOAD_MS);
    const done = (error?: Error) => {
      clearTimeout(timer);
      void worker.terminate();
      if (error) reject(error);
      else resolve();
    };
    worker.on('message', (m: { ok: boolean; error?: string }) => done(m.ok ? undefined : new PluginError(`plugin ${shown} does not load: ${m.error}`)));
    worker.on('error', (e) => done(new PluginError(`plugin ${shown} does not load: ${firstLine(e)}`)));
    worker.on('exit', () => done(new PluginError(`plugin ${shown} ended its loading thread before it loaded`)));
  });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function descriptorsOf(module: Record<string, unknown>, shown: string): Record<string, unknown>[] {
  const fromDefault = module.default === undefined ? [] : Array.isArray(module.default) ? module.default : [module.default];
  const found = fromDefault.length
    ? fromDefault
    : Object.entries(module)
        .filter(([k, v]) => k !== 'default' && isObject(v) && 'connect' in v)
        .map(([, v]) => v);
  if (!found.length || !found.every(isObject))
    throw new PluginError(
      `plugin ${shown} exports no transport descriptor: export default { name, summary, schemes, defaultListen, connect, serve } (see examples/plugin-http-fetch)`,
    );
  return found as Record<string, unknown>[];
}

/** The descriptor as a Transport, or the first reason it cannot be one. */
function check(d: Record<string, unknown>, shown: string): Transport {
  const name = typeof d.name === 'string' ? d.name : '';
  const bad = (why: string) => new PluginError(`plugin ${shown}: transport ${JSON.stringify(name || '?')} ${why}`);
  if (!NAME.test(name)) throw bad('needs a name of letters, digits, ".", "_" and "-" (one ":" at most), e.g. "http-fetch"');
  if (allowedNames().includes(name)) throw bad('collides with a name rpcbench already has: rename it');
  if (typeof d.connect !== 'function') throw bad("lacks a call: it has no connect(address, options), the client that makes the contract's calls");
  const calls = d.calls === undefined ? METHODS : d.calls;
  const missing = Array.isArray(calls) ? METHODS.filter((m) => !calls.includes(m)) : METHODS;
  if (missing.length) throw bad(`lacks a call: ${missing.join(', ')} (every transport serves getObj, sendObj and fib)`);
  if (d.serve !== undefined && typeof d.serve !== 'function') throw bad('has a serve that is not a function');
  const schemes = d.schemes;
  if (!Array.isArray(schemes) || !schemes.length || !schemes.every((s) => typeof s === 'string' && /^[a-z][a-z0-9+.-]*:$/.test(s)))
    throw bad('needs schemes, the URL schemes of its addresses, e.g. ["myrpc:"]');
  if (typeof d.defaultListen !== 'string') throw bad('needs a defaultListen address, e.g. "myrpc://127.0.0.1:0"');
  const traits = d.traits === undefined ? {} : d.traits;
  if (!isObject(traits) || Object.keys(traits).some((k) => !TRAIT_KEYS.includes(k))) throw bad(`has traits other than ${TRAIT_KEYS.join(', ')}`);
  return {
    ...(d as unknown as Transport),
    summary: typeof d.summary === 'string' ? d.summary : `plugin ${shown}`,
    traits: { ...MEASURED, ...(traits as Partial<TransportTraits>) },
  };
}

function entryOf(transport: Transport, file: string): TransportEntry {
  const { name, summary, traits, schemes, defaultListen } = transport;
  return { name, summary, traits, schemes, defaultListen, plugin: file, load: async () => guarded(transport) };
}

/** What a plugin's close() may take before it is given up on. */
const CLOSE_MS = 5000;

/**
 * A plugin's transport with deadlines the harness keeps itself (issue 32: a call that never settled hung a run past
 * 200 s despite --timeout-ms 2000, and so did a close): each call fails with CallTimeoutError at the client's
 * timeout, each close gives up after CLOSE_MS.
 */
function guarded(t: Transport): Transport {
  const connect: Transport['connect'] = async (address, options) => {
    const client = await t.connect(address, options);
    return {
      call: (method, args) => deadline(client.call(method, args), options.timeoutMs, () => new CallTimeoutError(method, options.timeoutMs)),
      close: () => deadline(client.close(), CLOSE_MS, () => new Error(`the plugin's client did not close within ${CLOSE_MS / 1000} s`)).catch(() => {}),
    };
  };
  const serve: Transport['serve'] =
    t.serve &&
    (async (listen, service, options) => {
      const server = await t.serve!(listen, service, options);
      return {
        ...server,
        close: () => deadline(server.close(), CLOSE_MS, () => new Error(`the plugin's server did not close within ${CLOSE_MS / 1000} s`)).catch(() => {}),
      };
    });
  return { ...t, connect, ...(serve ? { serve } : {}) };
}
