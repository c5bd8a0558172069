// Validates a parsed report against bench/report/report.schema.json, and each cell's outcome against its scenario's
// own schema (the scenarios hand theirs in: this layer knows none). Used by the tests and by every reader of a report
// (a baseline that does not match is bad input, exit 2). Lists the schema cannot hold by itself come from the metric
// table: the verdict's goals are its metrics with a goal.
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { METRIC_NAMES, METRICS, type MetricSpec } from './metrics.ts';
import { SCHEMA_VERSION } from './types.ts';

const schema = JSON.parse(readFileSync(new URL('./report.schema.json', import.meta.url), 'utf8')) as {
  properties: { schemaVersion: { const: number }; verdict: { properties: { items: { items: { properties: { goal: object } } } } } };
};
if (schema.properties.schemaVersion.const !== SCHEMA_VERSION)
  throw new Error(`report.schema.json is of schema ${schema.properties.schemaVersion.const}, types.ts of ${SCHEMA_VERSION}`);
schema.properties.verdict.properties.items.items.properties.goal = { enum: METRIC_NAMES.filter((m) => (METRICS[m] as MetricSpec).goal) };
// `format` is documentation here: date-time is not worth a second dependency (ajv-formats).
const ajv = new Ajv({ allErrors: true, validateFormats: false });
ajv.addSchema(schema, 'report');
const validator = ajv.getSchema('report')!;
const outcomeValidators = new Map<object, ValidateFunction>();

/** Each scenario's outcome schema, by its name (absent: the scenario has no outcome, so its cells carry null). */
export type OutcomeSchemas = Record<string, object | undefined>;

/** Returns the problems with `value` as a report (empty when it is one); with `outcomes`, each cell's outcome is checked too. */
export function reportProblems(value: unknown, outcomes?: OutcomeSchemas): string[] {
  if (!validator(value)) return (validator.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`);
  if (!outcomes) return [];
  const cells = (value as { results: Array<{ scenario: string; outcome: unknown }> }).results;
  const problems = cells.flatMap((cell, i) => outcomeProblems(cell, `/results/${i}`, outcomes));
  return problems.slice(0, 5);
}

function outcomeProblems(cell: { scenario: string; outcome: unknown }, at: string, outcomes: OutcomeSchemas): string[] {
  if (!(cell.scenario in outcomes)) return [`${at}/scenario ${JSON.stringify(cell.scenario)} is not a scenario of this rpcbench`];
  const own = outcomes[cell.scenario];
  if (cell.outcome === null) return [];
  if (!own) return [`${at}/outcome must be null: ${cell.scenario} has no outcome`];
  let check = outcomeValidators.get(own);
  if (!check) outcomeValidators.set(own, (check = ajv.compile(own)));
  return check(cell.outcome) ? [] : (check.errors ?? []).slice(0, 3).map((e) => `${at}/outcome${e.instancePath} ${e.message ?? 'is invalid'}`);
}
