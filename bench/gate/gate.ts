// The gate as one call, shared by `npm run compare` and `npm run bench -- --baseline`: reports and a config in,
// a typed Comparison out. It writes nothing; bench/publish/publish.ts decides what is shown and written where.
import type { Report } from '../report/types.ts';
import { type Comparison, compareReports } from './compare.ts';
import { loadConfig } from './config.ts';

export interface GateRequest {
  baseline: Report[];
  current: Report[];
  /** From the command line: a reference name, AUTO_REFERENCE, or null to keep the config's choice. */
  normalize: string | null;
  /** A config file, or null for rpcbench.config.json / package.json / the defaults. */
  config: string | null;
}

export function runGate(req: GateRequest): Comparison {
  const config = loadConfig(req.config);
  if (req.normalize !== null) config.normalize = req.normalize;
  return compareReports(req.baseline, req.current, config);
}
