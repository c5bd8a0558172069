// Reads report files (for the gate, --baseline, merging): each must parse and validate, or it is bad input (exit 2).
import { readFileSync, type Stats, statSync } from 'node:fs';
import { BadInput } from './errors.ts';
import { type Report, SCHEMA_VERSION } from './types.ts';
import { upgradeReport } from './upgrade.ts';
import { type OutcomeSchemas, reportProblems } from './validate.ts';

export class InputError extends BadInput {}

/** The largest report read: a full matrix with --runs 8 and every histogram is about 60 MB; a file far past it is not one. */
export const MAX_REPORT_BYTES = 512 * 2 ** 20;

/**
 * A file's text, read only if it is a regular file under `maxBytes` (after following links): a FIFO would block the
 * read forever, and a link to /dev/zero would never end (issue 32: `history` grew to 2.9 GB on one). Bad input otherwise.
 */
export function readBoundedText(file: string, maxBytes: number, what: string): string {
  let st: Stats;
  try {
    st = statSync(file);
  } catch (error) {
    throw new InputError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (!st.isFile()) throw new InputError(`${file} is not a regular file (a ${kindOf(st)}): give ${what}`);
  if (st.size > maxBytes)
    throw new InputError(`${file} is ${st.size.toLocaleString('en-US')} bytes, more than ${what} ever is (at most ${maxBytes.toLocaleString('en-US')})`);
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'directory';
  if (st.isFIFO()) return 'FIFO';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'device';
  if (st.isSocket()) return 'socket';
  return 'special file';
}

/** Reads, upgrades and validates a report; `outcomes`: the scenarios' outcome schemas, so that every cell's outcome is checked. */
export function loadReport(file: string, outcomes?: OutcomeSchemas): Report {
  const text = readBoundedText(file, MAX_REPORT_BYTES, 'a report (latest.json)');
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
