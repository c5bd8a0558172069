// The scenarios, as data: adding one is its descriptor file and a line here. Every other module reaches a scenario
// through scenarioOf(cell.scenario), never by its name, and reads what is common to all of them from here.
import { BadInput } from '../report/errors.ts';
import { METRIC_NAMES, METRICS, type MetricName, type MetricSpec } from '../report/metrics.ts';
import type { CellResult } from '../report/types.ts';
import { BYTES_GOAL, type GoalSpec } from '../stats/verdict.ts';
import { capacity } from './capacity.ts';
import { latency } from './latency.ts';
import { ramp } from './ramp.ts';
import { rate } from './rate.ts';
import type { Scenario } from './scenario.ts';
import { throughput } from './throughput.ts';

// biome-ignore lint/suspicious/noExplicitAny: each descriptor has its own settings and outcome types; the registry holds them all
export type AnyScenario = Scenario<any, any>;

export const SCENARIOS: readonly AnyScenario[] = [latency, throughput, rate, capacity, ramp];

export const scenarioNames = (): string[] => SCENARIOS.map((s) => s.name);

/** A report names a scenario this build does not know (a newer rpcbench made it): bad input. */
export class UnknownScenarioError extends BadInput {}

export function scenarioOf(name: string): AnyScenario {
  const found = SCENARIOS.find((s) => s.name === name);
  if (!found) throw new UnknownScenarioError(`unknown scenario ${JSON.stringify(name)}; this rpcbench knows ${scenarioNames().join(', ')}`);
  return found;
}

/** A metric's value for a cell: from the metric table, or, for a scenario's own metric, from its scenario; NaN where the cell has none. */
export function metricOf(cell: CellResult, name: MetricName): number {
  const spec: MetricSpec = METRICS[name];
  if (spec.ofCell) return spec.ofCell(cell);
  return scenarioOf(cell.scenario).figure?.(cell, name) ?? Number.NaN;
}

/** The verdict's goals: every scenario's, and bytes (every cell's), in the metric table's order. */
export function verdictGoals(): GoalSpec[] {
  const goals = [...SCENARIOS.flatMap((s) => s.goals ?? []), BYTES_GOAL];
  return goals.sort((a, b) => METRIC_NAMES.indexOf(a.goal) - METRIC_NAMES.indexOf(b.goal));
}

/** Each scenario's outcome schema, by name: what a reader checks every cell's outcome against. */
export function outcomeSchemas(): Record<string, object | undefined> {
  return Object.fromEntries(SCENARIOS.map((s) => [s.name, s.outcomeSchema]));
}

export type { CellRun, CellRunner, Scenario } from './scenario.ts';
