// Thresholds for the regression gate: defaults, then rpcbench.config.json (or the "rpcbench" key of
// package.json), per metric and per transport. Percentages: 10 means a 10% change in the worse direction.
// The file is checked against config.schema.json: a config of the wrong shape is bad input (exit 2).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { BadInput } from '../report/errors.ts';
import { GATE_METRICS, METRICS, type MetricSpec } from '../report/metrics.ts';

/** The metrics the gate judges, by the names of the one vocabulary (bench/report/metrics.ts). */
export type Metric = (typeof GATE_METRICS)[number];
export type Thresholds = Record<Metric, number>;

/** The config's first names for three of them, still read: callsPerSec, bytesPerCall, cpuPerCall. */
const OLD_NAMES: Record<string, Metric> = { callsPerSec: 'calls/s', bytesPerCall: 'bytes/call', cpuPerCall: 'cpu/call' };

export interface GateConfig {
  thresholds: Thresholds;
  /** Per-transport overrides by transport name, e.g. {"NAME": {"p99": 50}}. */
  transports: Record<string, Partial<Thresholds>>;
  /** Family-wise significance level of the whole comparison. */
  alpha: number;
  /** Reference transport for drift correction: a name, AUTO_REFERENCE, or null for an absolute comparison. */
  normalize: string | null;
}

/** Normalizing without a name: the wire floor, else the harness floor. */
export const AUTO_REFERENCE = 'auto';

/** --reference NAME or --normalize from a command line; null leaves the config's choice. */
export function normalizeFlag(reference: string | undefined, normalize: boolean | undefined): string | null {
  return reference ?? (normalize ? AUTO_REFERENCE : null);
}

/** Each metric's default threshold (metrics.ts says why each is what it is). */
export const DEFAULT_CONFIG: GateConfig = {
  thresholds: Object.fromEntries(GATE_METRICS.map((m) => [m, (METRICS[m] as MetricSpec).gatePct!])) as Thresholds,
  transports: {},
  alpha: 0.05,
  normalize: null,
};

export class ConfigError extends BadInput {}

const schema = JSON.parse(readFileSync(new URL('./config.schema.json', import.meta.url), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, allowUnionTypes: true, verbose: true }).compile<ConfigFile>(schema);

interface ConfigSection {
  thresholds?: Partial<Thresholds>;
  transports?: Record<string, Partial<Thresholds>>;
  alpha?: number;
  normalize?: boolean | string | null;
}

interface ConfigFile {
  plugins?: string[];
  compare?: ConfigSection;
  bench?: { thresholds?: string[] };
}

/** The gate's settings: defaults, overridden by the config's "compare" section. */
export function loadConfig(explicit: string | null, cwd = process.cwd()): GateConfig {
  const found = readConfigFile(explicit, cwd);
  return found ? fromSection(found.file.compare ?? {}) : structuredClone(DEFAULT_CONFIG);
}

/** The absolute thresholds of the config's "bench" section (bench adds those of --threshold). */
export function configThresholds(explicit: string | null, cwd = process.cwd()): string[] {
  return readConfigFile(explicit, cwd)?.file.bench?.thresholds ?? [];
}

/** The plugin modules the config names, as absolute paths (they are relative to the config file). */
export function configPlugins(explicit: string | null, cwd = process.cwd()): string[] {
  const found = readConfigFile(explicit, cwd);
  return (found?.file.plugins ?? []).map((p) => path.resolve(path.dirname(found!.path), p));
}

/** rpcbench.config.json (or `explicit`), else the "rpcbench" key of package.json, validated; null when neither. */
function readConfigFile(explicit: string | null, cwd: string): { file: ConfigFile; path: string } | null {
  const file = explicit ?? path.join(cwd, 'rpcbench.config.json');
  if (existsSync(file)) return { file: sectionsOf(readJson(file), file), path: path.resolve(cwd, file) };
  if (explicit) throw new ConfigError(`config file ${explicit} does not exist`);
  const pkg = path.join(cwd, 'package.json');
  const raw = existsSync(pkg) ? (readJson(pkg) as { rpcbench?: unknown } | null)?.rpcbench : undefined;
  return raw === undefined ? null : { file: sectionsOf(raw, `${pkg} "rpcbench"`), path: pkg };
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

/** `{"compare": {...}, "bench": {...}}`, or (as the first version of the file was) the compare section itself. */
function sectionsOf(raw: unknown, source: string): ConfigFile {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ConfigError(`${source}: must be a JSON object, got ${raw === null ? 'null' : typeof raw}`);
  const sections = 'compare' in raw || 'bench' in raw || 'plugins' in raw ? raw : { compare: raw };
  if (!validate(sections)) {
    const problems = (validate.errors ?? []).slice(0, 3).map(describe);
    throw new ConfigError(`${source}: ${problems.join('; ')}`);
  }
  return sections;
}

function describe(e: NonNullable<typeof validate.errors>[number]): string {
  const where = e.instancePath ? e.instancePath.slice(1).replaceAll('/', '.') : 'the section';
  if (e.keyword === 'additionalProperties') {
    const key = (e.params as { additionalProperty: string }).additionalProperty;
    const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {}).filter((k) => !(k in OLD_NAMES));
    const what = allowed.includes('p50') ? 'metric' : 'key';
    return `${where}: unknown ${what} "${key}"; allowed: ${allowed.join(', ')}`;
  }
  return `${where} ${e.message ?? 'is invalid'}`;
}

/** Thresholds as the config writes them, old names read as the new. */
const renamed = (t: Partial<Record<string, number>> = {}): Partial<Thresholds> =>
  Object.fromEntries(Object.entries(t).map(([k, v]) => [OLD_NAMES[k] ?? k, v])) as Partial<Thresholds>;

function fromSection(s: ConfigSection): GateConfig {
  const config = structuredClone(DEFAULT_CONFIG);
  Object.assign(config.thresholds, renamed(s.thresholds));
  config.transports = Object.fromEntries(Object.entries(s.transports ?? {}).map(([name, t]) => [name, renamed(t)]));
  if (s.alpha !== undefined) config.alpha = s.alpha;
  if (s.normalize !== undefined) config.normalize = s.normalize === true ? AUTO_REFERENCE : s.normalize || null;
  return config;
}

export function thresholdsFor(config: GateConfig, transport: string): Thresholds {
  return { ...config.thresholds, ...config.transports[transport] };
}
