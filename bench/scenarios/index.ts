// The scenarios, as data: adding one is its descriptor file and a line here. Every other module reaches a scenario
// through scenarioOf(cell.scenario), never by its name.
import { BadInput } from '../report/errors.ts';
import { capacity } from './capacity.ts';
import { latency } from './latency.ts';
import { rate } from './rate.ts';
import type { Scenario } from './scenario.ts';
import { throughput } from './throughput.ts';

export const SCENARIOS: readonly Scenario[] = [latency, throughput, rate, capacity];

export const scenarioNames = (): string[] => SCENARIOS.map((s) => s.name);

/** A report names a scenario this build does not know (a newer rpcbench made it): bad input. */
export class UnknownScenarioError extends BadInput {}

export function scenarioOf(name: string): Scenario {
  const found = SCENARIOS.find((s) => s.name === name);
  if (!found) throw new UnknownScenarioError(`unknown scenario ${JSON.stringify(name)}; this rpcbench knows ${scenarioNames().join(', ')}`);
  return found;
}

export type { CellRun, CellRunner, Scenario, ScenarioRequest } from './scenario.ts';
