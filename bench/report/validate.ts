// Validates a parsed report against bench/report/report.schema.json. Used by the tests and by compare
// (a baseline that does not match the schema is bad input, exit 2).
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';

const schema = JSON.parse(readFileSync(new URL('./report.schema.json', import.meta.url), 'utf8')) as object;
// `format` is documentation here: date-time is not worth a second dependency (ajv-formats).
const validator = new Ajv({ allErrors: true, validateFormats: false }).compile(schema);

/** Returns the problems with `value` as a report (empty when it is one). */
export function reportProblems(value: unknown): string[] {
  if (validator(value)) return [];
  return (validator.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`);
}
