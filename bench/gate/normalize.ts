// Drift correction: divide out how much a reference transport's p50 changed between the two sides, so a
// machine that is uniformly slower today does not read as a regression. It cannot correct a machine that is
// differently shaped (fewer free cores hurt transports with more processes more); see the README.
import { InputError } from '../report/read.ts';
import { median } from '../report/trials.ts';
import type { TransportInfo } from '../report/types.ts';
import { AUTO_REFERENCE } from './config.ts';
import type { CellSamples } from './samples.ts';

export type Mode = { kind: 'absolute' } | { kind: 'normalized'; reference: string; factor: number; cells: number };

/** How a metric moves with the machine: time-like ones are divided by the factor, calls/s multiplied by it. */
export type Scaling = 'divide' | 'multiply' | 'none';

/** Without a name: the wire floor, else the harness floor (the transports whose cost is least their own). */
const AUTO_ROLES: ReadonlyArray<TransportInfo['role']> = ['wire-floor', 'harness-floor'];

type Pairs = ReadonlyArray<readonly [CellSamples, CellSamples]>;

/**
 * Normalized mode: the geometric mean of current/baseline p50 over the reference transport's cells. `transports`:
 * what the reports say of each transport (its role picks the automatic reference).
 */
export function modeFor(requested: string | null, pairs: Pairs, transports: Record<string, TransportInfo>): Mode {
  if (!requested) return { kind: 'absolute' };
  const candidates = requested === AUTO_REFERENCE ? autoCandidates(pairs, transports) : [requested];
  for (const reference of candidates) {
    const refPairs = pairs.filter(([b]) => b.cell.transport === reference);
    if (!refPairs.length) continue;
    const p50 = (s: CellSamples) => median(s.samples.map((x) => x.stat.latencyUs.p50));
    const logs = refPairs.map(([b, c]) => Math.log(p50(c) / p50(b)));
    const factor = Math.exp(logs.reduce((s, x) => s + x, 0) / logs.length);
    if (!(Number.isFinite(factor) && factor > 0))
      throw new InputError(`cannot normalize to ${reference}: its p50 is 0 in some cells, so its change is not a number`);
    return { kind: 'normalized', reference, factor, cells: refPairs.length };
  }
  const wanted = requested === AUTO_REFERENCE ? `a ${AUTO_ROLES.join(' or ')} transport` : requested;
  throw new InputError(`cannot normalize to ${wanted}: no cell of it is in both reports (run it, or pick another with --reference)`);
}

function autoCandidates(pairs: Pairs, transports: Record<string, TransportInfo>): string[] {
  const names = [...new Set(pairs.map(([b]) => b.cell.transport))];
  return AUTO_ROLES.flatMap((role) => names.filter((n) => transports[n]?.role === role));
}

export function adjust(scaling: Scaling, value: number, mode: Mode): number {
  if (mode.kind === 'absolute' || scaling === 'none') return value;
  return scaling === 'divide' ? value / mode.factor : value * mode.factor;
}
