// rate: calls start at --rate per second whatever the replies do (open loop), at most the highest --concurrency in
// flight; latency counts from when a call was due, so a stalled server is not hidden (coordinated omission). Beside
// it, the service time (from each call's send to its reply, what a closed-loop tool reports) and how late our sends
// left: users of vegeta (#223, #520) and oha (#211) were confused by seeing one without the other.

import { median, round3 } from '../report/trials.ts';
import type { CellResult, LatencyUs, TrialResult } from '../report/types.ts';
import { measureCell, outcomeOf, type Scenario, SettingsError } from './scenario.ts';
import { type Figure, timeChart, type ViewTable } from './view.ts';

export interface RateSettings {
  ratePerSec: number;
}

/** What an open-loop cell achieved against what it asked for. */
export interface RateOutcome {
  requestedPerSec: number;
  /** Completed calls per second (the median trial's). */
  achievedPerSec: number;
  /** Share (0..1) of the scheduled calls never sent because the cap on calls in flight was reached. */
  droppedShare: number;
  /** The server could not keep up with the rate: calls were dropped, or fewer than 90% of the rate completed. */
  saturated: boolean;
  /** The service time (from each send to its reply), the median trial's percentiles; null where the trials did not keep it. */
  serviceLatencyUs: LatencyUs | null;
  /** How late our sends left after they were due, µs, the median trial's: the generator's own error. */
  lateUs: { p50: number; p99: number } | null;
}

/** An open loop's trials against the rate they were offered: what was achieved, what was dropped, whether it kept up. */
export function rateOutcome(requestedPerSec: number, trials: readonly TrialResult[]): RateOutcome {
  const scheduled = trials.reduce((n, t) => n + t.calls + t.errors + t.dropped, 0);
  const dropped = trials.reduce((n, t) => n + t.dropped, 0);
  const achievedPerSec = round3(median(trials.map((t) => t.callsPerSec)));
  const droppedShare = scheduled ? round3(dropped / scheduled) : 0;
  const opens = trials.map((t) => t.open).filter((o) => o !== undefined);
  const pick = (k: keyof LatencyUs) => round3(median(opens.map((o) => o.serviceLatencyUs[k])));
  const serviceLatencyUs = opens.length
    ? { p50: pick('p50'), p90: pick('p90'), p99: pick('p99'), p999: pick('p999'), max: pick('max'), mean: pick('mean') }
    : null;
  const lates = trials.map((t) => t.client.sendLagUs).filter((x) => x !== undefined);
  const lateUs = lates.length ? { p50: round3(median(lates.map((l) => l.p50))), p99: round3(median(lates.map((l) => l.p99))) } : null;
  return { requestedPerSec, achievedPerSec, droppedShare, saturated: droppedShare > 0 || achievedPerSec < 0.9 * requestedPerSec, serviceLatencyUs, lateUs };
}

const NOTE =
  'Open loop: calls start on a schedule whatever the replies do; latency counts from when a call was due (p50, p99), service time from when it was sent; ' +
  'late: how long after its due time our client sent it (the generator\'s own error, inside the latency); a call due while the cap is in flight is dropped ("saturated": the server cannot keep up with that rate).';

export const rate: Scenario<RateSettings, RateOutcome> = {
  name: 'rate',
  measures: 'latency at a fixed offered rate (open loop, corrected for coordinated omission), and whether the server kept up',
  loop: 'open',
  flags: [{ name: 'rate', value: 'N', help: 'calls/s for the open-loop rate scenario (default 1000)' }],
  settings: (flag) => {
    const v = flag('rate');
    if (v === undefined) return { ratePerSec: 1000 };
    const n = Number(v);
    if (!(/^\s*\d+\s*$/.test(v) && n >= 1 && n <= 1_000_000)) throw new SettingsError(`--rate: ${JSON.stringify(v)} is not a whole number from 1 to 1000000`);
    return { ratePerSec: n };
  },
  record: (s) => ({ ratePerSec: s.ratePerSec }),
  cells: (base, s, common) => [{ ...base, scenario: 'rate', concurrency: Math.max(...common.concurrency), ratePerSec: s.ratePerSec }],
  plan: (s) => `rate ${s.ratePerSec}/s (open loop)`,
  load: (cell) => `${cell.ratePerSec}/s c=${cell.concurrency}`,
  // its latency is read with its rate, in the open-loop table: thresholds read latency from one call in flight
  metrics: [],
  run: measureCell,
  outcome: (cell, trials) => rateOutcome(cell.ratePerSec!, trials),
  outcomeSchema: {
    type: 'object',
    required: ['requestedPerSec', 'achievedPerSec', 'droppedShare', 'saturated', 'serviceLatencyUs', 'lateUs'],
    additionalProperties: false,
    properties: {
      requestedPerSec: { type: 'number', exclusiveMinimum: 0 },
      achievedPerSec: { type: 'number', minimum: 0 },
      droppedShare: { type: 'number', minimum: 0, maximum: 1 },
      saturated: { type: 'boolean' },
      serviceLatencyUs: { oneOf: [{ $ref: 'report#/definitions/latencyUs' }, { type: 'null' }] },
      lateUs: {
        oneOf: [
          {
            type: 'object',
            required: ['p50', 'p99'],
            additionalProperties: false,
            properties: { p50: { type: 'number', minimum: 0 }, p99: { type: 'number', minimum: 0 } },
          },
          { type: 'null' },
        ],
      },
    },
  },
  view: {
    tables: (cells, name) => table(cells, name),
    charts: (rows, place) => rows.flatMap((r) => r.cells.flatMap((c) => timeChart(place, r.label, r.transport, 'rate', c.trials))),
    fields: [
      ['service_p50_us', (c) => outcomeOf(rate, c)?.serviceLatencyUs?.p50 ?? null],
      ['service_p99_us', (c) => outcomeOf(rate, c)?.serviceLatencyUs?.p99 ?? null],
      ['late_p99_us', (c) => outcomeOf(rate, c)?.lateUs?.p99 ?? null],
      ['saturated', (c) => outcomeOf(rate, c)?.saturated ?? null],
    ],
  },
};

/** The open-loop cells, as their own table: requested and achieved rate, dropped share, latency from the due time and from the send. */
function table(cells: readonly CellResult[], name: (c: CellResult) => string): ViewTable[] {
  const withIt = cells.filter((c) => outcomeOf(rate, c));
  if (!withIt.length) return [];
  const header = [
    'cell',
    'requested/s',
    'achieved/s',
    'dropped',
    'p50 µs',
    'p99 µs',
    'service p50 µs',
    'service p99 µs',
    'late p99 µs',
    'client CPU µs/call',
    'verdict',
  ];
  const rows = withIt.map((c): Figure[] => {
    const o = outcomeOf(rate, c)!;
    return [
      name(c),
      { value: o.requestedPerSec },
      { value: o.achievedPerSec },
      `${Number((o.droppedShare * 100).toPrecision(2))}%`,
      { value: c.latencyUs.p50 },
      { value: c.latencyUs.p99 },
      { value: o.serviceLatencyUs?.p50 ?? null },
      { value: o.serviceLatencyUs?.p99 ?? null },
      { value: o.lateUs?.p99 ?? null },
      { value: c.cpuUsPerCall.client, clientBound: c.clientBound },
      o.saturated ? 'saturated' : 'kept up',
    ];
  });
  return [{ title: 'open loop', header, rows, note: NOTE }];
}
