// Reads report files (for the gate, --baseline, merging): each must parse and validate, or it is bad input (exit 2).
import { readFileSync } from 'node:fs';
import { BadInput } from './errors.ts';
import { type Report, SCHEMA_VERSION } from './types.ts';
import { upgradeReport } from './upgrade.ts';
import { type OutcomeSchemas, reportProblems } from './validate.ts';

export class InputError extends BadInput {}

/** Reads, upgrades and validates a report; `outcomes`: the scenarios' outcome schemas, so that every cell's outcome is checked. */
export function loadReport(file: string, outcomes?: OutcomeSchemas): Report {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${file} is not JSON: ${(error as Error).message}`);
  }
  const version = (value as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (!(typeof version === 'number' && Number.isInteger(version) && version >= 1 && version <= SCHEMA_VERSION)) {
    throw new InputError(`${file} has schemaVersion ${JSON.stringify(version)}; this rpcbench reads 1 to ${SCHEMA_VERSION} (re-run it with this version)`);
  }
  if (version < SCHEMA_VERSION) {
    try {
      value = upgradeReport(value, version);
    } catch (error) {
      throw new InputError(`${file} is not an rpcbench report of schema version ${version}: ${(error as Error).message}`);
    }
  }
  const problems = reportProblems(value, outcomes);
  if (problems.length) throw new InputError(`${file} is not an rpcbench report: ${problems.join('; ')}`);
  return value as Report;
}

/** The runs of one side of a comparison, each validated. */
export function loadSide(files: string[], outcomes?: OutcomeSchemas): Report[] {
  if (!files.length) throw new InputError('no report given');
  return files.map((f) => loadReport(f, outcomes));
}
