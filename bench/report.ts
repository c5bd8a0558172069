// Results + options + machine facts -> the Report written as latest.json.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { maskAddress } from '../transports/support/address.ts';
import type { BenchOptions } from './options.ts';
import type { RunOutput } from './runner.ts';
import { SCHEMA_VERSION, type Report, type ReportMeta } from './types.ts';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };

export function buildReport(options: BenchOptions, run: RunOutput, startedAt: Date): Report {
  return { schemaVersion: SCHEMA_VERSION, meta: buildMeta(options, startedAt), results: run.results, skipped: run.skipped };
}

function buildMeta(options: BenchOptions, startedAt: Date): ReportMeta {
  const cpus = os.cpus();
  return {
    date: startedAt.toISOString(),
    tool: { name: pkg.name, version: pkg.version },
    node: process.version,
    os: { platform: os.platform(), release: os.release(), arch: os.arch() },
    cpu: { model: cpus[0]?.model.trim() ?? 'unknown', count: cpus.length },
    gitCommit: gitCommit(),
    durationSec: Math.round((Date.now() - startedAt.getTime()) / 100) / 10,
    options: {
      transports: options.transports,
      calls: options.calls,
      scenarios: options.scenarios,
      concurrency: options.concurrency,
      ratePerSec: options.ratePerSec,
      durationSec: options.durationSec,
      warmupSec: options.warmupSec,
      trials: options.trials,
      ...(options.runs > 1 ? { runs: options.runs } : {}),
      payloadEntries: options.payloadEntries,
      serverWorkUs: options.serverWorkUs,
      ...(Object.keys(options.serverWorkUsByTransport).length ? { serverWorkUsByTransport: options.serverWorkUsByTransport } : {}),
      fibN: options.fibN,
      timeoutMs: options.timeoutMs,
      quick: options.quick,
      targets: Object.fromEntries(Object.entries(options.targets).map(([name, address]) => [name, maskAddress(address)])),
    },
  };
}

function gitCommit(): string | null {
  try {
    const dir = new URL('..', import.meta.url);
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() || null;
  } catch {
    return null;
  }
}
