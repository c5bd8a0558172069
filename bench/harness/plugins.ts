// Transports from outside the repo: `--plugin PATH` (repeatable) or "plugins" in rpcbench.config.json. A plugin is a
// module whose default export is a transport descriptor or an array of them (without a default export: every named
// export that is one): the Transport interface of transports/transport.ts, the same as a built-in's registry line and
// file together. With its line in the registry, a plugin's transport runs in bench, serve, --target, thresholds and
// compare like any row. A plugin that cannot be used is bad input: exit 2 with one line, before anything runs.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { METHODS } from '../../transports/contract.ts';
import { addTransports, allowedNames, type TransportEntry } from '../../transports/registry.ts';
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

async function importPlugin(file: string, shown: string): Promise<Record<string, unknown>> {
  if (!existsSync(file)) throw new PluginError(`plugin ${shown}: no such file`);
  try {
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new PluginError(`plugin ${shown} does not load: ${String((error as Error).message ?? error).split('\n')[0]}`);
  }
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
  return { name, summary, traits, schemes, defaultListen, plugin: file, load: async () => transport };
}
