// The history's store: a directory of small JSON files, one per report (its point: commit, time, machine, and each
// cell's numbers with their spread, no histograms). Plain files because CI keeps a directory between runs with any
// cache, artifact or branch, a new report is one new file (no lock, no merge), git and a reader can diff it, and it
// needs no native module. Adding a report twice replaces its file (the name holds the point's id).
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { CALL_TRAITS } from '../../transports/contract.ts';
import { BadInput } from '../report/errors.ts';
import { readBoundedText } from '../report/read.ts';
import type { HistoryPoint } from './types.ts';

export const DEFAULT_STORE = 'reports/history';

export class StoreError extends BadInput {}

/** `20261130T215017-0000bb0-1a2b3c4d5e6f.json`: sorted by time in a listing, one per report. */
export function storeFileName(p: HistoryPoint): string {
  const time = p.date
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, '')
    .replace(/Z$/, '');
  return `${time}-${p.commit?.slice(0, 7) ?? 'nocommit'}-${p.id}.json`;
}

/** A store file is small (a point holds no histogram): one far past this is not one. */
const MAX_POINT_BYTES = 16 * 2 ** 20;

const isNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isValue = (v: unknown): boolean => {
  const pv = v as { value?: unknown; samples?: unknown } | null;
  return !!pv && isNumber(pv.value) && Array.isArray(pv.samples) && pv.samples.every(isNumber);
};
const isCell = (c: unknown): boolean => {
  const pc = c as Record<string, unknown> | null;
  return (
    !!pc &&
    typeof pc === 'object' &&
    typeof pc.transport === 'string' &&
    // a call this build names (the store-json fuzz target found a point whose call "#ib" crashed the labels)
    typeof pc.call === 'string' &&
    Object.hasOwn(CALL_TRAITS, pc.call) &&
    typeof pc.scenario === 'string' &&
    isNumber(pc.concurrency) &&
    isNumber(pc.payloadEntries) &&
    (pc.ratePerSec === null || isNumber(pc.ratePerSec)) &&
    !!pc.values &&
    typeof pc.values === 'object' &&
    Object.values(pc.values as object).every(isValue)
  );
};

/** A point, checked down to every value it holds: what the history reads from a store file (nothing else is trusted). */
function isPoint(v: unknown): v is HistoryPoint {
  const p = v as Partial<HistoryPoint> | null;
  return (
    !!p &&
    p.schema === 1 &&
    typeof p.id === 'string' &&
    typeof p.date === 'string' &&
    !Number.isNaN(Date.parse(p.date)) &&
    (p.commit === null || typeof p.commit === 'string') &&
    (p.label === undefined || typeof p.label === 'string') &&
    !!p.machine &&
    typeof p.machine.key === 'string' &&
    typeof p.options === 'string' &&
    Array.isArray(p.cells) &&
    p.cells.every(isCell) &&
    (p.leads === undefined || (Array.isArray(p.leads) && p.leads.every((l) => !!l && typeof l.leader === 'string' && Array.isArray(l.behind))))
  );
}

/** Every point in the store; a file that is not one is bad input, named (nothing is guessed). A missing store is empty. */
export function readStore(dir: string): HistoryPoint[] {
  if (!statSync(dir, { throwIfNoEntry: false })) return [];
  if (!statSync(dir).isDirectory()) throw new StoreError(`--store: ${JSON.stringify(dir)} is not a directory`);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const file = path.join(dir, f);
      return parsePoint(readBoundedText(file, MAX_POINT_BYTES, 'a point of the history (a small JSON file)'), file);
    });
}

/** A store file's text as a point, or bad input that names the file. */
export function parsePoint(text: string, file: string): HistoryPoint {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new StoreError(`${file} is not JSON: ${(error as Error).message}`);
  }
  if (!isPoint(value)) throw new StoreError(`${file} is not a point of rpcbench's history (schema 1)`);
  return value;
}
