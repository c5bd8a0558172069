// capacity: how many calls/s a transport carries before the latency objective breaks (--slo, default p99<10ms).
// Searches the offered rate of an open loop (latency counted from when each call was due, as in `rate`): steps up
// geometrically from a low rate until a rate fails, then bisects (geometrically) between the last rate that passed and
// the first that failed, until they are within --capacity-precision of each other. Every step is kept.
// OpenMessaging Benchmark's findMaximumSustainableRate and ghz's --load-schedule step do the like for one system.
//
// What makes two searches agree (issue 30: three back-to-back searches were up to 5.3× apart, because one stall of
// about 20 ms in a step of 1.2 s puts its p99 past 10 ms, and where the search ended was where the machine hiccuped):
// - a step is three trials at least, each judged on enough calls for its percentile to mean something (10 beyond
//   it: 1,000 for a p99; a trial is made longer at low rates to get them), and the step on its median trial: one
//   stall of the machine spoils one trial, not the step (a server that stalls in most trials fails); a step with too
//   few calls never passes;
// - a rate is decided on one step when its three trials agree; a split step, or a failure that a single pause could
//   explain, brings a second step at the rate (a third on a tie), and the rate is decided on the majority of all their
//   trials (a server that keeps pausing still fails); the pauses are kept in the record;
// - a failure with the signs no pause fakes (calls in flight growing through the step, dropped calls, far fewer calls
//   completed than offered) counts at once;
// - where lateness of our own sends, not the server, broke the objective, the step is client-bound, not failed, and
//   the search bisects below it as below a failure: the figure is then a lower bound (`client`);
// - dropped calls are judged trial by trial, as latency is: one stall that fills the cap on calls in flight spoils one
//   trial;
// - a search whose steps keep failing while latency does not fall with the rate has found the machine's floor
//   (`jitter`, with the floor measured), not the server's limit, and stops instead of halving toward zero.
import { decodeHistogram, latencyUs, newHistogram } from '../report/histograms.ts';
import { LATENCY_METRICS, METRICS, type MetricName, type MetricSpec, UNIT_SUFFIXES } from '../report/metrics.ts';
import { median, medianCpu, round3 } from '../report/trials.ts';
import type { CellKey, CellResult, CpuUsPerCall, LatencyUs, Pause, TrialResult } from '../report/types.ts';
import { type CellRun, type CellRunner, lowestRateFor, type Measurement, outcomeOf, type Scenario, SettingsError as UsageError } from './scenario.ts';
import { type Chart, type ChartPlace, type Figure, type LineChart, type RowCells, timeChart, type ViewColumn, type ViewTable } from './view.ts';

export interface CapacitySettings {
  /** The latency objective each step must meet, as written (`p99<10ms`), with its metric and limit in µs. */
  slo: Objective;
  /** A step passes only with fewer dropped calls than this share (0.001: 0.1%). */
  maxDroppedShare: number;
  /** The first rate tried, calls/s, or null: a quarter of a short closed loop's calls/s (probe). Steps grow by `factor` until one fails, then bisect. */
  startPerSec: number | null;
  factor: number;
  /** The search stops once the last passing and first failing rates are within this fraction of each other. */
  precision: number;
  /** The highest rate tried: a server that passes it is reported as "≥" it. */
  maxPerSec: number;
  /** The cap on calls in flight: a step that reaches it drops calls (and fails): generous, so that latency fails first. */
  maxInFlight: number;
}

export interface Objective {
  text: string;
  metric: MetricName;
  limitUs: number;
  inclusive: boolean;
}

/** One step of a capacity search: an offered rate (open loop), warmed up, then measured over its trials. */
export interface CapacityStep {
  ratePerSec: number;
  /** 2 or 3: a further step at a rate whose first was split or failed in a way a single pause could explain (the rate is judged on all its steps' trials). */
  attempt?: 2 | 3;
  /** The objective held over enough calls, dropped calls stayed under the limit, no call failed, and the server kept up. */
  pass: boolean;
  /** Why it did not pass, in words ("p99 14,200 µs ≥ 10,000 µs", "1.2% dropped", "too few calls ..."); null when it passed. */
  reason: string | null;
  /** Calls of all its trials, and how many each trial needs for its objective (10 beyond the percentile). */
  calls: number;
  callsNeeded: number;
  /** Its trials that met everything on their own (enough calls, the objective, no drops past the limit, no errors, keeping up): what a rate is judged on. */
  trialsPassed?: number;
  /** The objective's percentile of each trial (µs), and the median trial's: what the step is judged on. */
  trialUs: number[];
  judgedUs: number;
  /** Completed calls/s, the median trial's. */
  achievedPerSec: number;
  /** Over all its calls, counted from when each call was due. */
  latencyUs: LatencyUs;
  /** The worst trial's service time (from each send to its reply): what the server and the wire took. */
  serviceLatencyUs: LatencyUs | null;
  /** How late our sends left after they were due, the median trial's (µs): the generator's own error. */
  lateUs: { p50: number; p99: number } | null;
  droppedShare: number;
  errors: number;
  /** The sign of a server that cannot keep up which a single pause does not fake: in every one of its trials (two at least), calls in flight grew or calls were dropped. */
  saturated: boolean;
  /** Median calls in flight at a send, first and last third of the step's trials (the median trial's). */
  backlog: { first: number; last: number } | null;
  /** Pauses (no call completing for at least `pauseMs` with calls in flight): the longest, seconds from the step's start, and how many. */
  pauses: Pause[];
  pauseCount: number;
  /** Our client was the limit: its load thread was busy (most trials), or its late sends, not the server, broke the objective. */
  clientBound: boolean;
  /** Event-loop utilization of the busiest load thread, the median trial's. */
  loopUtilization: number;
  cpuUsPerCall: CpuUsPerCall;
  warmup: { sec: number; steady: boolean };
  trials: TrialResult[];
}

/**
 * How far a capacity figure can be trusted:
 * - `server`: the server failed the objective above it: its capacity;
 * - `client`: our client was the limit above it: the server carries at least this;
 * - `max-rate`: every rate tried passed, up to the search's highest: at least this;
 * - `jitter`: the objective failed at every rate tried while latency did not fall with the rate: the machine's floor
 *   (`floorUs`), not the server's limit;
 * - `none`: not even the lowest rate that can be judged passed.
 */
export type CapacityBound = 'server' | 'client' | 'max-rate' | 'jitter' | 'none';

/** One search for a cell's capacity (one per run): every step, in the order tried. */
export interface CapacitySearch {
  run?: number;
  /** The highest rate that passed, calls/s; 0 when none did. */
  callsPerSec: number;
  bound: CapacityBound;
  /** `jitter`: the objective's metric at the lowest rate tried (µs), the floor the machine gives. */
  floorUs?: number;
  steps: CapacityStep[];
}

/** A capacity cell's answer: the highest offered rate that meets the objective (the cell's variant), and how far it can be trusted. */
export interface CapacityOutcome {
  /** The median over searches (runs) of the capacity found. */
  callsPerSec: number;
  /** The bound of the search whose capacity is reported (the median one). */
  bound: CapacityBound;
  /** 1e6 ÷ the server's CPU µs per call at the highest passing step: what the server would carry with a core of its own; null where its CPU is not measured. */
  perCoreCallsPerSec: number | null;
  searches: CapacitySearch[];
}

/** The capacity search unless told otherwise: p99 under 10 ms, under 0.1% dropped, within 5%. */
export const DEFAULT_CAPACITY: CapacitySettings = {
  slo: { text: 'p99<10ms', metric: 'p99', limitUs: 10_000, inclusive: false },
  maxDroppedShare: 0.001,
  startPerSec: null,
  factor: 2,
  precision: 0.05,
  maxPerSec: 1_000_000,
  maxInFlight: 256,
};

/** Calls beyond the objective's percentile a step needs before it is judged: a p99 on 100 calls is one call's word. */
const TAIL_CALLS = 10;
/** A step's trials: three, so that its median trial is not the one a single stall spoiled. */
const STEP_TRIALS = 3;
/** The most steps at one rate: a third breaks a tie of the first two's trials (and `attempt` is 2 or 3). */
const STEPS_A_RATE = 3;
/** Calls in flight that grow by this share of the objective (as queueing time at the offered rate) through a step: the server fell behind. */
const BACKLOG_GROWTH = 0.5;
/** Completed under this share of the offered rate: the server fell behind. */
const UNDER_ACHIEVED = 0.9;
/** Sends late at p99 by at least this share of the objective's limit: late enough to be what broke it. */
const LATE_SHARE = 0.25;
/** A lower rate whose objective metric is at least this share of the higher rate's: latency did not fall with the rate. */
const FLAT = 0.7;

/**
 * Without --capacity-start, the search starts at this fraction of a closed loop's calls/s, two doublings under it (and
 * no lower than lowestJudged).
 * Measured on the default matrix's getObj: from an eighth, 157 steps in 5m02s, and 18 of 19 searches passed their
 * first three steps (the other failed its second); a first step that fails costs a step down, no more.
 */
const PROBE_SHARE = 4;

export const capacity: Scenario<CapacitySettings, CapacityOutcome> = {
  name: 'capacity',
  measures: 'the highest offered rate (open loop) at which the latency objective (--slo) holds, with no errors and under 0.1% dropped',
  loop: 'open',
  interleave: 'measurements',
  flags: [
    {
      name: 'slo',
      value: 'EXPR',
      help: "the capacity scenario's latency objective, like a threshold: p99<10ms (the\ndefault), p99.9<=50ms; a step (three trials) passes when its median trial holds it,\nunder 0.1% are dropped, none fails and the server keeps up",
    },
    {
      name: 'capacity-start',
      value: 'N',
      help: "the search's first rate, calls/s (default: a quarter of a short closed loop's,\nnot under the lowest rate a 10 s trial can judge)",
    },
    { name: 'capacity-precision', value: 'P', help: 'stop bisecting once the last pass and first failure are within P (default 5%)' },
    { name: 'capacity-in-flight', value: 'N', help: 'the cap on calls in flight while searching (default 256)' },
  ],
  settings: (flag) => settingsOf(flag),
  record: (s) => ({ slo: s.slo.text, maxDroppedShare: s.maxDroppedShare, startPerSec: s.startPerSec, precision: s.precision, maxInFlight: s.maxInFlight }),
  // one search per transport x call x objective; the calls in flight are capped generously (a cap that is reached drops calls, and fails the step)
  cells: (base, s) => [{ ...base, scenario: 'capacity', concurrency: s.maxInFlight, ratePerSec: null, variant: s.slo.text }],
  plan: (s) => `capacity within ${s.slo.text} (a search of the offered rate)`,
  load: (cell) => `${cell.variant ?? ''} ≤${cell.concurrency} in flight`.trim(),
  metrics: ['capacity'],
  // steps per search, measured: 10-17, median 13, in three runs of issue 30's five transports (getObj, 7826841)
  measurementsPerCell: 13,
  run: (cell, runner, s) => search(cell, runner, s),
  outcome: (_cell, trials, records) => outcomeFrom(records as CapacitySearch[], trials),
  recordsOf: (o) => o.searches,
  outcomeSchema: {
    type: 'object',
    required: ['callsPerSec', 'bound', 'perCoreCallsPerSec', 'searches'],
    additionalProperties: false,
    properties: {
      callsPerSec: { type: 'number', minimum: 0, maximum: 1e9 },
      bound: { $ref: '#/$defs/bound' },
      perCoreCallsPerSec: { type: ['number', 'null'], minimum: 0, maximum: 1e9 },
      searches: { type: 'array', minItems: 1, items: { $ref: '#/$defs/search' } },
    },
    $defs: {
      bound: { enum: ['server', 'client', 'max-rate', 'jitter', 'none'] },
      search: {
        type: 'object',
        required: ['callsPerSec', 'bound', 'steps'],
        additionalProperties: false,
        properties: {
          run: { type: 'integer', minimum: 0 },
          callsPerSec: { type: 'number', minimum: 0, maximum: 1e9 },
          bound: { $ref: '#/$defs/bound' },
          floorUs: { type: 'number', minimum: 0 },
          steps: { type: 'array', items: { $ref: '#/$defs/step' } },
        },
      },
      step: {
        type: 'object',
        required: [
          'ratePerSec',
          'pass',
          'reason',
          'calls',
          'callsNeeded',
          'trialUs',
          'judgedUs',
          'achievedPerSec',
          'latencyUs',
          'serviceLatencyUs',
          'lateUs',
          'droppedShare',
          'errors',
          'saturated',
          'backlog',
          'pauses',
          'pauseCount',
          'clientBound',
          'loopUtilization',
          'cpuUsPerCall',
          'warmup',
          'trials',
        ],
        additionalProperties: false,
        properties: {
          ratePerSec: { type: 'number', exclusiveMinimum: 0, maximum: 1e9 },
          attempt: { enum: [2, 3] },
          pass: { type: 'boolean' },
          reason: { type: ['string', 'null'] },
          calls: { type: 'integer', minimum: 0 },
          callsNeeded: { type: 'integer', minimum: 1 },
          trialsPassed: { type: 'integer', minimum: 0 },
          trialUs: { type: 'array', items: { type: 'number', minimum: 0 } },
          judgedUs: { type: 'number', minimum: 0 },
          achievedPerSec: { type: 'number', minimum: 0, maximum: 1e9 },
          latencyUs: { $ref: 'report#/definitions/latencyUs' },
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
          droppedShare: { type: 'number', minimum: 0, maximum: 1 },
          errors: { type: 'integer', minimum: 0 },
          saturated: { type: 'boolean' },
          backlog: {
            oneOf: [
              {
                type: 'object',
                required: ['first', 'last'],
                additionalProperties: false,
                properties: { first: { type: 'number', minimum: 0 }, last: { type: 'number', minimum: 0 } },
              },
              { type: 'null' },
            ],
          },
          pauses: {
            type: 'array',
            maxItems: 8,
            items: {
              type: 'object',
              required: ['atSec', 'ms'],
              additionalProperties: false,
              properties: { atSec: { type: 'number', minimum: 0 }, ms: { type: 'number', minimum: 0 } },
            },
          },
          pauseCount: { type: 'integer', minimum: 0 },
          clientBound: { type: 'boolean' },
          loopUtilization: { type: 'number', minimum: 0, maximum: 1 },
          cpuUsPerCall: { $ref: 'report#/definitions/cpu' },
          warmup: {
            type: 'object',
            required: ['sec', 'steady'],
            additionalProperties: false,
            properties: { sec: { type: 'number', minimum: 0 }, steady: { type: 'boolean' } },
          },
          trials: { type: 'array', items: { $ref: 'report#/definitions/trial' } },
        },
      },
    },
  },
  figure: (c, metric) => (metric === 'capacity' ? (outcomeOf(capacity, c)?.callsPerSec ?? Number.NaN) : Number.NaN),
  samples: (c, metric) => (metric === 'capacity' ? (outcomeOf(capacity, c)?.searches.map((s) => s.callsPerSec) ?? []) : []),
  goals: [
    {
      goal: 'capacity',
      oncePerRun: true,
      cells: (report, call) => {
        const cells = report.results.filter((c) => c.call === call && c.payloadEntries === report.meta.options.payloadEntries[0] && outcomeOf(capacity, c));
        const objective = cells[0]?.variant;
        const same = cells.filter((c) => c.variant === objective);
        return same.length ? { cells: same, where: `capacity at ${objective}` } : null;
      },
      samples: (c) => outcomeOf(capacity, c)!.searches.map((s) => s.callsPerSec),
      lowerBound: (c) => ['client', 'max-rate'].includes(outcomeOf(capacity, c)!.bound),
    },
  ],
  view: {
    columns: (rows) => (rows.some((r) => r.cells.length) ? columns(rows) : []),
    rank: (cells) => (cells[0] ? (outcomeOf(capacity, cells[0])?.callsPerSec ?? null) : null),
    tables: (cells, name) => stepTables(cells, name),
    notes: (cells) => (cells.length ? [note(cells[0]!.variant ?? '')] : []),
    charts: (rows, place) => charts(rows, place),
    fields: [
      ['capacity_objective', (c) => (outcomeOf(capacity, c) ? (c.variant ?? null) : null)],
      ['capacity_calls_per_s', (c) => outcomeOf(capacity, c)?.callsPerSec ?? null],
      ['capacity_bound', (c) => outcomeOf(capacity, c)?.bound ?? null],
      ['capacity_per_core_calls_per_s', (c) => outcomeOf(capacity, c)?.perCoreCallsPerSec ?? null],
    ],
  },
};

// ---- settings ----

function settingsOf(flag: (name: string) => string | undefined): CapacitySettings {
  const slo = flag('slo');
  const start = flag('capacity-start');
  const precision = flag('capacity-precision');
  const inFlight = flag('capacity-in-flight');
  return {
    ...DEFAULT_CAPACITY,
    ...(slo === undefined ? {} : { slo: parseObjective(slo) }),
    ...(start === undefined ? {} : { startPerSec: whole('--capacity-start', start, 1, DEFAULT_CAPACITY.maxPerSec) }),
    ...(precision === undefined ? {} : { precision: share('--capacity-precision', precision) }),
    ...(inFlight === undefined ? {} : { maxInFlight: whole('--capacity-in-flight', inFlight, 1, 100_000) }),
  };
}

/** A latency objective, written like a threshold without transport, call or @C: `p99<10ms`, `p99.9<=50ms`. */
export function parseObjective(text: string): Objective {
  const example = 'METRIC<VALUE, e.g. p99<10ms or p99.9<=50ms';
  const m = /^\s*([\w.]+)\s*(<=|<|>=|>|==)\s*(\d+(?:\.\d+)?)\s*([a-zµ]*)\s*$/.exec(text);
  if (!m) throw new UsageError(`--slo: ${JSON.stringify(text)} is not ${example}`);
  const [, name, op, number, unit] = m as unknown as [string, string, string, string, string];
  const metric = LATENCY_METRICS.find((x) => x === name);
  if (!metric) throw new UsageError(`--slo: ${JSON.stringify(name)} is not a latency metric; one of ${LATENCY_METRICS.join(', ')} (${example})`);
  if (op !== '<' && op !== '<=') throw new UsageError(`--slo: ${JSON.stringify(text)}: an objective is an upper bound on latency (< or <=)`);
  const scale = UNIT_SUFFIXES['µs'][unit];
  if (scale === undefined) throw new UsageError(`--slo: ${JSON.stringify(text)}: a latency takes us, µs, ms or s, not ${JSON.stringify(unit)}`);
  const limitUs = Number(number) * scale;
  if (limitUs <= 0) throw new UsageError(`--slo: ${JSON.stringify(text)}: the bound must be above 0`);
  return { text: text.replace(/\s+/g, ''), metric, limitUs, inclusive: op === '<=' };
}

function whole(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!(/^\s*\d+\s*$/.test(value) && n >= min && n <= max))
    throw new UsageError(`${flag}: ${JSON.stringify(value)} is not a whole number from ${min} to ${max}`);
  return n;
}

/** "5%" or "0.05": a fraction from 0.1% to 50%. */
function share(flag: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(value.trim());
  const x = m ? Number(m[1]) / (m[2] ? 100 : 1) : Number.NaN;
  if (!(x >= 0.001 && x <= 0.5)) throw new UsageError(`${flag}: ${JSON.stringify(value)} is not a share from 0.1% to 50%, e.g. 5% or 0.05`);
  return x;
}

/** The objective of a capacity cell, from its key (`variant`). */
export function objectiveOf(cell: Pick<CellKey, 'variant'>): Objective {
  return parseObjective(cell.variant ?? DEFAULT_CAPACITY.slo.text);
}

// ---- one step ----

const latencyKey = (o: Objective) => (METRICS[o.metric] as MetricSpec).percentile!;

/** Calls a step needs to judge its objective: 10 beyond its percentile (a p99: 1,000; a p50: 20; a max or a mean: 100). */
export function callsNeeded(o: Objective): number {
  const q = { p50: 0.5, p90: 0.9, p99: 0.99, p999: 0.999 }[latencyKey(o) as string];
  return q === undefined ? 100 : Math.ceil(TAIL_CALLS / (1 - q));
}

/** A step's percentiles over all its calls (its trials' histograms added): more samples than any one trial's. */
function stepLatency(trials: readonly TrialResult[]): LatencyUs {
  const all = newHistogram();
  for (const t of trials) if (t.histogram) all.add(decodeHistogram(t.histogram));
  return latencyUs(all);
}

const sum = <T>(xs: readonly T[], f: (x: T) => number) => xs.reduce((n, x) => n + f(x), 0);
const passedAll = (step: CapacityStep) => step.trialsPassed === step.trials.length;
const fewest = (trials: readonly TrialResult[]) => (trials.length ? Math.min(...trials.map((t) => t.calls)) : 0);
const beyond = (o: Objective, us: number) => (o.inclusive ? us > o.limitUs : us >= o.limitUs);
const fmt = (us: number) => Math.round(us).toLocaleString('en-US');

/** The step's pauses, each placed from the step's start: its trials one after another. */
function stepPauses(trials: readonly TrialResult[]): { pauses: Pause[]; count: number } {
  const t0 = Math.min(...trials.map((t) => t.startedAtMs));
  const pauses = trials.flatMap((t) => (t.open?.pauses ?? []).map((p) => ({ atSec: round3((t.startedAtMs - t0) / 1000 + p.atSec), ms: p.ms })));
  return {
    pauses: pauses
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 8)
      .sort((a, b) => a.atSec - b.atSec),
    count: sum(trials, (t) => t.open?.pauseCount ?? 0),
  };
}

function stepOf(rate: number, m: Measurement, s: CapacitySettings, attempt?: 2 | 3): CapacityStep {
  const { trials } = m;
  const o = s.slo;
  const key = latencyKey(o);
  const scheduled = sum(trials, (t) => t.calls + t.errors + t.dropped);
  const calls = sum(trials, (t) => t.calls);
  const need = callsNeeded(o);
  const droppedShare = scheduled ? round3(sum(trials, (t) => t.dropped) / scheduled) : 0;
  // dropped calls are judged trial by trial, as the latency is: a stall of 20 ms at 14,000/s fills the cap on calls in
  // flight and drops some, in the one trial it fell in (a fresh run's step passed its median trial's p99 and failed
  // on 1.1% dropped, all of them in that trial)
  const dropping = (t: TrialResult) => t.dropped >= s.maxDroppedShare * Math.max(1, t.calls + t.errors + t.dropped);
  const droppingTrials = trials.filter(dropping).length;
  const errors = sum(trials, (t) => t.errors);
  const latency = stepLatency(trials);
  // each trial's percentile, from its own calls; a trial with too few says nothing, so the step is judged on the median of those that can
  const judged = trials.filter((t) => t.calls >= need);
  const trialUs = trials.map((t) => t.latencyUs[key]);
  const observed = judged.length ? median(judged.map((t) => t.latencyUs[key])) : 0;
  const achievedPerSec = round3(median(trials.map((t) => t.callsPerSec)));
  const opens = trials.filter((t) => t.open);
  const backlog = opens.length ? { first: median(opens.map((t) => t.open!.backlog.first)), last: median(opens.map((t) => t.open!.backlog.last)) } : null;
  // growth of the calls in flight as queueing time at the offered rate: a server that keeps up holds it level
  const grewMs = backlog ? ((backlog.last - backlog.first) / rate) * 1000 : 0;
  const growth = (BACKLOG_GROWTH * o.limitUs) / 1000;
  const behind = (t: TrialResult) => (t.open ? ((t.open.backlog.last - t.open.backlog.first) / rate) * 1000 >= growth : false) || dropping(t);
  // one trial could be one pause's doing; the same in every trial of two or more is the server
  const saturated = trials.length >= 2 && trials.every(behind);
  const service = opens.length ? opens.map((t) => t.open!.serviceLatencyUs).reduce((a, b) => (b[latencyKey(o)] > a[latencyKey(o)] ? b : a)) : null;
  const lates = trials.map((t) => t.client.sendLagUs).filter((x) => x !== undefined);
  const lateUs = lates.length ? { p50: median(lates.map((l) => l.p50)), p99: median(lates.map((l) => l.p99)) } : null;
  const missed = judged.length > 0 && beyond(o, observed);
  // our late sends, not the server, broke it: the median trial's service time meets the objective where its latency
  // from the due time does not, and the sends were late by a real share of the objective (a server at the edge whose
  // service p99 was 9.9 ms, with sends 1.3 ms late at p99 and our load thread half idle, is the server's limit)
  const serviceUs = opens.length ? median(opens.map((t) => t.open!.serviceLatencyUs[key])) : null;
  const lateBroke = missed && !saturated && serviceUs !== null && !beyond(o, serviceUs) && (lateUs?.p99 ?? 0) >= LATE_SHARE * o.limitUs;
  const why = [
    judged.length * 2 <= trials.length
      ? `too few calls to judge ${o.metric}: ${fewest(trials).toLocaleString('en-US')} of ${need.toLocaleString('en-US')} in a trial`
      : null,
    missed
      ? `${o.metric} ${fmt(observed)} µs ${o.inclusive ? '>' : '≥'} ${fmt(o.limitUs)} µs (the median trial's)${lateBroke ? '; our sends were late, the service time met it' : ''}`
      : null,
    droppingTrials * 2 > trials.length
      ? `${round3(droppedShare * 100)}% dropped (${droppingTrials} of ${trials.length} trials past ${round3(s.maxDroppedShare * 100)}%)`
      : null,
    errors ? `${errors} error(s)` : null,
    grewMs >= growth ? `calls in flight grew from ${backlog!.first} to ${backlog!.last} through the step` : null,
    achievedPerSec < UNDER_ACHIEVED * rate ? `${fmt(achievedPerSec)}/s completed of ${fmt(rate)}/s offered` : null,
  ].filter((x): x is string => x !== null);
  const { pauses, count } = stepPauses(trials);
  const trialMet = (t: TrialResult) =>
    t.calls >= need && !beyond(o, t.latencyUs[key]) && !behind(t) && t.errors === 0 && t.callsPerSec >= UNDER_ACHIEVED * rate;
  return {
    ratePerSec: rate,
    ...(attempt ? { attempt } : {}),
    pass: why.length === 0,
    reason: why.length ? why.join(', ') : null,
    calls,
    callsNeeded: need,
    trialsPassed: trials.filter(trialMet).length,
    trialUs,
    judgedUs: observed,
    achievedPerSec,
    latencyUs: latency,
    serviceLatencyUs: service,
    lateUs,
    droppedShare,
    errors,
    saturated,
    backlog,
    pauses,
    pauseCount: count,
    clientBound: lateBroke || trials.filter((t) => t.clientBound).length * 2 > trials.length,
    loopUtilization: round3(median(trials.map((t) => t.client.loopUtilization))),
    cpuUsPerCall: medianCpu(trials),
    warmup: m.warmup,
    trials,
  };
}

// ---- the search ----

/** What a rate came to: passed, failed (the server), our client was the limit, or too few calls to say. */
type Decision = 'pass' | 'fail' | 'client' | 'unjudged';

/** Rates a reader can read: 3 significant digits (1,230/s, not 1,234.5678/s). */
const nice = (rate: number) => Number(rate.toPrecision(3));

async function search(cell: CellKey, runner: CellRunner, s: CapacitySettings): Promise<CellRun> {
  const steps: CapacityStep[] = [];
  const measured = new Map<CapacityStep, Measurement>();
  const how = { trials: STEP_TRIALS, minTrialCalls: callsNeeded(s.slo), pauseMs: pauseMsOf(s.slo) };
  const stepAt = async (rate: number, attempt?: 2 | 3) => {
    const m = await runner.measure({ ...cell, ratePerSec: rate }, how);
    const step = stepOf(rate, m, s, attempt);
    steps.push(step);
    measured.set(step, m);
    return step;
  };
  const decide = async (rate: number): Promise<Decision> => {
    const first = await stepAt(rate);
    const once = verdictOf(first);
    // calls in flight that grew are the server's limit, unless a stall as long as the objective's limit explains them:
    // a 300 ms SIGSTOP at 2,000/s grew them from 11 to 48 in a fresh clone, and the search stepped down unconfirmed
    const stalled = first.pauses.some((p) => p.ms * 1000 >= s.slo.limitUs);
    if (once === 'unjudged' || (first.saturated && !stalled) || (once === 'pass' && passedAll(first))) return once;
    // a split step, or a failure (or late sends) that a single pause or a noisy moment could explain: a second step at
    // the rate, and a third on a tie, and the rate judged on the majority of all their trials. Near the knee a step of
    // three is a coin toss (fresh runs: a row passed 10,700/s on trials of 7.3, 14.1 and 4.3 ms, and failed every rate
    // from 11,200 on twice), and a rate that passed when either of two steps did came out high
    const at = [first];
    const tally = () => [sum(at, (x) => x.trialsPassed ?? 0), sum(at, (x) => x.trials.length)] as const;
    while (at.length < STEPS_A_RATE && (at.length === 1 || tally()[0] * 2 === tally()[1])) at.push(await stepAt(rate, (at.length + 1) as 2 | 3));
    const [met, all] = tally();
    if (met * 2 > all) return 'pass';
    // our client's limit only when every failed step says so: one that failed on the server makes it the server's
    const failed = at.filter((x) => !x.pass);
    return failed.length && failed.every((x) => verdictOf(x) === 'client') ? 'client' : 'fail';
  };
  let pass: number | null = null;
  let fail: number | null = null;
  // the lowest failing rate failed on our client (late sends, a busy load thread), not the server
  let failOnClient = false;
  let bound: CapacitySearch['bound'] | null = null;
  // up, geometrically, from a low rate until a rate fails (or the highest rate passes)
  const start = s.startPerSec ?? Math.min(s.maxPerSec, Math.max(lowestJudged(s.slo), (await runner.probe(cell)) / PROBE_SHARE));
  for (let rate = nice(start); fail === null && bound === null && rate <= s.maxPerSec; rate = nice(rate * s.factor)) {
    const d = await decide(rate);
    if (d === 'pass') pass = rate;
    else [fail, failOnClient] = [rate, d === 'client'];
  }
  // the first rate failed, or our sends were late before any rate passed (no lower bound yet: sends late at a low rate
  // are the machine's jitter): down, geometrically, until one passes, the floor shows, or no lower rate can be judged
  if (pass === null && fail !== null && bound === null)
    bound = await down(fail, s, decide, steps, {
      passed: (p) => (pass = p),
      failed: (f, onClient) => ([fail, failOnClient] = [f, onClient]),
    });
  // then bisect, geometrically, until the interval is narrower than the precision. A rate our client could not carry
  // narrows it as a failure does, so that a lower bound is the highest rate shown to pass, not wherever the doubling
  // happened to stop (fresh runs: one row "≥ 5,560" once and "≥ 8,200" the next, the first after one doubling too many)
  while (bound === null && pass !== null && fail !== null && fail / pass > 1 + s.precision) {
    const mid = nice(Math.sqrt(pass * fail));
    if (mid <= pass || mid >= fail) break;
    const d = await decide(mid);
    if (d === 'pass') pass = mid;
    else [fail, failOnClient] = [mid, d === 'client'];
  }
  return resultOf(steps, measured, pass, bound ?? (pass === null ? 'none' : fail === null ? 'max-rate' : failOnClient ? 'client' : 'server'));
}

/**
 * The lowest rate whose trials hold the calls a step is judged on, within the longest trial: the search starts no
 * lower. Below it, a first step is "too few calls" however well the server does, and the search ended there with no
 * capacity (seen: a closed-loop probe that met a stall said 234/s for a server of 480/s, and the search started at
 * 58.6/s, 586 of 1,000 calls in a 10 s trial).
 */
const lowestJudged = (o: Objective) => lowestRateFor(callsNeeded(o));

/** A pause worth its name is half the objective's limit: one that long and late calls cross it. */
const pauseMsOf = (o: Objective) => Math.max(1, o.limitUs / 2000);

function verdictOf(step: CapacityStep): Decision {
  if (step.pass) return 'pass';
  if (step.trials.filter((t) => t.calls >= step.callsNeeded).length * 2 <= step.trials.length) return 'unjudged';
  return step.clientBound && !step.saturated ? 'client' : 'fail';
}

/**
 * Down from a failed first rate: halving until a rate passes (`passed`; each failing rate on the way is `failed`, so
 * that the bisection starts from the lowest), or until two failing rates in a row show a latency that does not fall
 * with the rate (`jitter`: the machine's floor), or no rate can be judged (`none`). Late sends count as a failure here:
 * at rates this low they are the machine's pauses, not a busy client.
 */
async function down(
  failed: number,
  s: CapacitySettings,
  decide: (rate: number) => Promise<Decision>,
  steps: CapacityStep[],
  on: { passed: (rate: number) => void; failed: (rate: number, onClient: boolean) => void },
): Promise<CapacitySearch['bound'] | null> {
  let last = lastStepAt(steps, failed);
  for (let rate = nice(failed / s.factor); rate >= 1; rate = nice(rate / s.factor)) {
    const d = await decide(rate);
    if (d === 'pass') {
      on.passed(rate);
      return null;
    }
    if (d === 'unjudged') return 'none';
    on.failed(rate, d === 'client');
    const now = lastStepAt(steps, rate);
    if (last && now && !now.saturated && now.judgedUs >= FLAT * last.judgedUs) return 'jitter';
    last = now;
  }
  return 'none';
}

const lastStepAt = (steps: readonly CapacityStep[], rate: number) => [...steps].reverse().find((x) => x.ratePerSec === rate);

function resultOf(steps: CapacityStep[], measured: Map<CapacityStep, Measurement>, pass: number | null, bound: CapacitySearch['bound']): CellRun {
  const top = pass === null ? null : [...steps].reverse().find((x) => x.pass && x.ratePerSec === pass)!;
  const run = top?.trials[0]?.run ?? steps[0]?.trials[0]?.run;
  const floor = bound === 'jitter' ? steps.at(-1)!.judgedUs : null;
  const record: CapacitySearch = {
    ...(run === undefined ? {} : { run }),
    callsPerSec: pass ?? 0,
    bound,
    ...(floor === null ? {} : { floorUs: floor }),
    steps,
  };
  // the cell's own figures are those of its operating point: the highest step that passed (or, if none did, the last)
  const at = measured.get(top ?? steps.at(-1)!)!;
  const warmup = { sec: round3(steps.reduce((n, x) => n + x.warmup.sec, 0)), steady: steps.every((x) => x.warmup.steady) };
  return { warmup, trials: at.trials, errorReasons: at.errorReasons, record };
}

/**
 * Searches of several runs (--runs, or pooled reports) as one answer: the median search's capacity and bound (the
 * lower middle one of an even count, so that the figure is one a search found), and what the server would carry with
 * a core of its own: 1e6 ÷ its CPU µs per call at the operating point.
 */
function outcomeFrom(searches: readonly CapacitySearch[], trials: readonly TrialResult[]): CapacityOutcome | null {
  if (!searches.length) return null;
  const sorted = [...searches].sort((a, b) => a.callsPerSec - b.callsPerSec);
  const mid = sorted[(sorted.length - 1) >> 1]!;
  const servers = trials.map((t) => t.cpuUsPerCall.server).filter((x): x is number => x !== null && x > 0);
  return {
    callsPerSec: mid.callsPerSec,
    bound: mid.bound,
    perCoreCallsPerSec: servers.length ? Math.round(1e6 / median(servers)) : null,
    searches: [...searches],
  };
}

// ---- views ----

/** The step a capacity figure comes from: the median search's highest passing one (its latency is what was judged). */
export function operatingStep(c: CapacityOutcome | null | undefined): CapacityStep | undefined {
  const found = c?.searches.find((x) => x.callsPerSec === c.callsPerSec && x.bound === c.bound);
  return found && [...found.steps].reverse().find((x) => x.pass && x.ratePerSec === found.callsPerSec);
}

/** "10,100", "≥ 8,000 (client-bound)", "≥ 1,000,000 (every rate passed)", "none (jitter floor 12 ms)", "none under 50/s". */
export function capacityFigure(c: CapacityOutcome | null | undefined): Figure {
  if (!c) return null;
  const mid = c.searches.find((x) => x.callsPerSec === c.callsPerSec && x.bound === c.bound) ?? c.searches[0]!;
  if (c.bound === 'jitter') return `none: the machine's floor, ${fmt(mid.floorUs ?? 0)} µs at ${fmt(mid.steps.at(-1)!.ratePerSec)}/s`;
  if (c.bound === 'none') return `none down to ${fmt(Math.min(...mid.steps.map((x) => x.ratePerSec)))}/s`;
  if (c.bound === 'client') return { value: c.callsPerSec, atLeast: true, note: 'client-bound' };
  if (c.bound === 'max-rate') return { value: c.callsPerSec, atLeast: true, note: 'every rate passed' };
  return { value: c.callsPerSec };
}

function columns(rows: readonly RowCells[]): ViewColumn[] {
  const objective = rows.flatMap((r) => r.cells).find((c) => c.variant)?.variant ?? '';
  const out = (cells: readonly CellResult[]) => (cells[0] ? outcomeOf(capacity, cells[0]) : null);
  return [
    { header: `capacity calls/s (${objective})`, figure: (cells) => capacityFigure(out(cells)), compact: true },
    // the figure the step was judged on (its median trial's), so that it reads against the objective beside it
    { header: `${objective.split(/[<=]/)[0] || 'p99'} µs there`, figure: (cells) => ({ value: operatingStep(out(cells))?.judgedUs ?? null }), compact: true },
    { header: 'late p99 µs', figure: (cells) => ({ value: operatingStep(out(cells))?.lateUs?.p99 ?? null }) },
    { header: 'runs apart', figure: (cells) => runsApart(out(cells)), compact: true },
    { header: 'per server core', figure: (cells) => ({ value: out(cells)?.perCoreCallsPerSec ?? null }), compact: true },
  ];
}

/** The searches' spread as max ÷ min ("1.12×"), where there are several; "one run" where there is one. */
function runsApart(c: CapacityOutcome | null): Figure {
  if (!c) return null;
  const found = c.searches.map((s) => s.callsPerSec).filter((x) => x > 0);
  if (c.searches.length < 2) return 'one run';
  return found.length === c.searches.length ? `${(Math.max(...found) / Math.min(...found)).toFixed(2)}×` : 'some found none';
}

/** Latency against throughput as a table: each transport's search, step by step, pauses and confirmations shown. */
function stepTables(cells: readonly CellResult[], name: (c: CellKey) => string): ViewTable[] {
  const withIt = cells.filter((c) => outcomeOf(capacity, c));
  if (!withIt.length) return [];
  const header = ['cell', 'run', 'offered/s', 'achieved/s', 'p50 µs', 'p99 µs', 'service p99 µs', 'late p99 µs', 'in flight', 'pauses', 'step'];
  const rows = withIt.flatMap((c) =>
    outcomeOf(capacity, c)!.searches.flatMap((search, i) =>
      search.steps.map((x): Figure[] => [
        name(c),
        String(search.run ?? i),
        { value: x.ratePerSec },
        { value: x.achievedPerSec },
        { value: x.latencyUs.p50 },
        { value: x.latencyUs.p99 },
        { value: x.serviceLatencyUs?.p99 ?? null },
        { value: x.lateUs?.p99 ?? null },
        x.backlog ? `${x.backlog.first} → ${x.backlog.last}` : null,
        x.pauseCount
          ? `${x.pauseCount} (longest ${Math.round(Math.max(...x.pauses.map((p) => p.ms)))} ms at ${x.pauses.find((p) => p.ms === Math.max(...x.pauses.map((q) => q.ms)))!.atSec} s)`
          : '0',
        `${x.attempt ? 'confirm: ' : ''}${x.pass ? 'pass' : `${x.clientBound && !x.saturated ? 'client-bound' : 'fail'}: ${x.reason}`}`,
      ]),
    ),
  );
  const note =
    "Each step: offered rate, calls completed, latency from each call's due time (p50, p99), the worst trial's service time (from the send), how late our sends left, " +
    'calls in flight in the first → last third (growing: the server fell behind), pauses (no call completing for half the objective with calls in flight). ' +
    '"confirm": a further step at a rate whose first was split or failed as a pause could; the rate is decided on most of all its trials.';
  return [{ title: 'Latency against throughput: every step of each capacity search', header, rows, note, folded: true }];
}

const note = (objective: string) =>
  `capacity: the highest offered rate (open loop, latency counted from when each call was due) at which ${objective} held over enough calls (10 beyond its percentile), ` +
  'no call failed, under 0.1% were dropped and calls in flight did not grow; a split step or a failure a single pause could explain is stepped again, and the rate decided on most of all its trials. ' +
  '"≥ (client-bound)": our client was the limit there (its thread busy, or its late sends broke the objective), so the server carries at least this; ' +
  '"the machine\'s floor": the objective failed at every rate while latency did not fall with the rate; runs apart: max ÷ min of the searches of --runs N; ' +
  "per server core: 1e6 ÷ the server's CPU µs per call there, what it would carry with a core of its own";

function charts(rows: readonly RowCells[], place: ChartPlace): Chart[] {
  const withIt = rows.filter((r) => r.cells[0] && outcomeOf(capacity, r.cells[0]));
  if (!withIt.length) return [];
  const out = (r: RowCells) => outcomeOf(capacity, r.cells[0]!)!;
  const objective = withIt[0]!.cells[0]!.variant ?? '';
  const sorted = [...withIt].sort((a, b) => out(b).callsPerSec - out(a).callsPerSec);
  const bars: Chart = {
    kind: 'bar',
    id: place.id('capacity'),
    title: `${place.title}: capacity within ${objective} (higher is better)`,
    valueLabel: 'calls/s',
    labels: sorted.map((r) => r.label),
    series: [
      { name: 'capacity (≥ where client-bound)', values: sorted.map((r) => out(r).callsPerSec) },
      { name: 'per server core', values: sorted.map((r) => out(r).perCoreCallsPerSec ?? 0) },
    ],
    axisMin: 0,
    lowerIsBetter: false,
  };
  return [
    bars,
    loadLatency(sorted, out, objective, place),
    ...withIt.flatMap((r) =>
      timeChart(
        place,
        r.label,
        r.transport,
        'capacity',
        out(r).searches.flatMap((x) => x.steps.flatMap((st) => st.trials)),
      ),
    ),
  ];
}

/**
 * Latency against throughput: each step's achieved calls/s and its p99 and p50, in small multiples (a panel per
 * transport, best capacity first, every panel with the same axes: 19 transports in one panel were a tangle of
 * zigzags). The axes hold every point; the objective is a line across each panel.
 */
function loadLatency(rows: readonly RowCells[], out: (r: RowCells) => CapacityOutcome, objective: string, place: ChartPlace): LineChart {
  const limitUs = objectiveOf({ variant: objective }).limitUs;
  const series = rows.flatMap((r) => {
    const steps = out(r)
      .searches.flatMap((x) => x.steps)
      .filter((x) => x.calls > 0)
      .sort((a, b) => a.achievedPerSec - b.achievedPerSec);
    const line = (pick: 'p50' | 'p99', dashed: boolean) => ({
      name: `${r.label} ${pick}`,
      group: r.label,
      dashed,
      points: steps.map((x) => [x.achievedPerSec, x.latencyUs[pick]] as [number, number]),
    });
    return [line('p99', false), line('p50', true)];
  });
  const xMax = Math.max(1, ...series.flatMap((x) => x.points.map(([p]) => p)));
  const yMax = Math.max(limitUs * 1.1, ...series.flatMap((x) => x.points.map(([, v]) => v)));
  const objectiveLine = rows.map((r) => ({
    name: `${r.label} objective ${objective}`,
    group: r.label,
    dashed: true,
    points: [
      [0, limitUs],
      [xMax, limitUs],
    ] as Array<[number, number]>,
  }));
  return {
    kind: 'line',
    id: place.id('load-latency'),
    title: `${place.title}: latency against throughput, a panel per transport (capacity search steps; p99 solid, p50 dashed, the objective ${objective})`,
    xLabel: 'achieved calls/s',
    xScale: 'linear',
    valueLabel: 'µs',
    axisMin: 0,
    valueMax: yMax,
    xMax,
    panels: true,
    series: [...objectiveLine, ...series],
  };
}
