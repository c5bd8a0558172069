// Thresholds for the regression gate: defaults, then rpcbench.config.json (or the "rpcbench" key of
// package.json), per metric and per transport. Percentages: 10 means a 10% change in the worse direction.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const METRICS = ['p50', 'p99', 'callsPerSec', 'bytesPerCall', 'cpuPerCall'] as const;
export type Metric = (typeof METRICS)[number];
export type Thresholds = Record<Metric, number>;

export interface GateConfig {
  thresholds: Thresholds;
  /** Per-transport overrides, e.g. {"amqp:persistent-confirms": {"p99": 50}}. */
  transports: Record<string, Partial<Thresholds>>;
  /** Significance level of the one-sided Mann-Whitney test over trials. */
  alpha: number;
  /** Reference transport for drift correction: a name, AUTO_REFERENCE, or null for an absolute comparison. */
  normalize: string | null;
}

/** Normalizing without a name: tcp (the wire floor), else inproc. */
export const AUTO_REFERENCE = 'auto';

/** --reference NAME or --normalize from a command line; null leaves the config's choice. */
export function normalizeFlag(reference: string | undefined, normalize: boolean | undefined): string | null {
  return reference ?? (normalize ? AUTO_REFERENCE : null);
}

/** 10% on p50 and calls/s, 25% on the noisier p99, any growth in bytes (they are deterministic), 25% on CPU. */
export const DEFAULT_CONFIG: GateConfig = {
  thresholds: { p50: 10, p99: 25, callsPerSec: 10, bytesPerCall: 0, cpuPerCall: 25 },
  transports: {},
  alpha: 0.05,
  normalize: null,
};

export class ConfigError extends Error {}

export function loadConfig(explicit: string | null, cwd = process.cwd()): GateConfig {
  const file = explicit ?? path.join(cwd, 'rpcbench.config.json');
  let raw: unknown;
  if (existsSync(file)) raw = readJson(file);
  else if (explicit) throw new ConfigError(`config file ${explicit} does not exist`);
  else {
    const pkg = path.join(cwd, 'package.json');
    raw = existsSync(pkg) ? (readJson(pkg) as { rpcbench?: unknown }).rpcbench : undefined;
  }
  return merge(raw ?? {}, file);
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

function merge(raw: unknown, source: string): GateConfig {
  const section = (raw as { compare?: unknown }).compare ?? raw;
  if (typeof section !== 'object' || section === null) throw new ConfigError(`${source}: "compare" must be an object`);
  const s = section as Partial<Record<keyof GateConfig, unknown>>;
  const config = structuredClone(DEFAULT_CONFIG);
  Object.assign(config.thresholds, thresholds(s.thresholds ?? {}, `${source}: thresholds`));
  for (const [name, t] of Object.entries((s.transports ?? {}) as Record<string, unknown>)) config.transports[name] = thresholds(t, `${source}: transports.${name}`);
  if (s.alpha !== undefined) {
    if (typeof s.alpha !== 'number' || !(s.alpha > 0 && s.alpha < 1)) throw new ConfigError(`${source}: alpha must be a number between 0 and 1`);
    config.alpha = s.alpha;
  }
  if (s.normalize !== undefined) {
    if (s.normalize !== null && typeof s.normalize !== 'string' && typeof s.normalize !== 'boolean') throw new ConfigError(`${source}: normalize must be true, false or a transport name`);
    config.normalize = s.normalize === true ? AUTO_REFERENCE : s.normalize || null;
  }
  return config;
}

function thresholds(value: unknown, where: string): Partial<Thresholds> {
  if (typeof value !== 'object' || value === null) throw new ConfigError(`${where} must be an object`);
  const out: Partial<Thresholds> = {};
  for (const [k, v] of Object.entries(value)) {
    if (!(METRICS as readonly string[]).includes(k)) throw new ConfigError(`${where}: unknown metric "${k}"; allowed: ${METRICS.join(', ')}`);
    if (typeof v !== 'number' || v < 0) throw new ConfigError(`${where}.${k} must be a percentage >= 0`);
    out[k as Metric] = v;
  }
  return out;
}

export function thresholdsFor(config: GateConfig, transport: string): Thresholds {
  return { ...config.thresholds, ...config.transports[transport] };
}
