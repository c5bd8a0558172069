// Command-line parsing shared by every command: one error type, one error format, one parser per kind of value.
// Bad input is a UsageError: one line naming what is allowed, exit 2, before any work starts.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { didYouMean } from '../../transports/support/names.ts';
import { BadInput } from '../report/errors.ts';

export class UsageError extends BadInput {}

type Spec = NonNullable<ParseArgsConfig['options']>;
/** What parseFlags returns for a spec: parseArgs's own result type, named so that the package's declarations can say it. */
type Parsed<S extends Spec> = ReturnType<typeof parseArgs<{ args: string[]; options: S; allowPositionals: boolean; strict: true }>>;

/**
 * util.parseArgs with its errors rewritten as one line in our words: its own texts run to several lines
 * ("To specify a positional argument starting with a '-' ...") and mention things our commands do not have.
 */
export function parseFlags<S extends Spec>(argv: string[], spec: S, positionals = false): Parsed<S> {
  try {
    return parseArgs({ args: argv, options: spec, allowPositionals: positionals, strict: true });
  } catch (error) {
    throw new UsageError(
      rewrite(
        error as Error & { code?: string },
        Object.keys(spec).map((name) => `--${name}`),
      ),
    );
  }
}

function rewrite(error: Error & { code?: string }, known: string[]): string {
  const option = /'(-[^']*)'/.exec(error.message)?.[1];
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `Unknown option '${option ?? '?'}'${option ? didYouMean(option, known) : ''} (see --help)`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      // a value given to a flag that takes none (--quick=yes), a value starting with '-', or a missing value
      if (/does not take an argument/.test(error.message)) return `${option}: takes no value (give ${option} alone to turn it on)`;
      return /ambiguous/.test(error.message)
        ? `${option}: its value starts with '-'; write ${option}=VALUE (see --help)`
        : `${option}: needs a value (see --help)`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${JSON.stringify(/'([^']*)'/.exec(error.message)?.[1] ?? '')} (see --help)`;
    default:
      return `${error.message.split('\n')[0]} (see --help)`;
  }
}

/** A flag's value, refusing the empty string: `--concurrency ''` is a mistake, not "the default". */
export function given(flag: string, value: string | undefined): string | undefined {
  if (value !== undefined && value.trim() === '') throw new UsageError(`${flag}: needs a value, got an empty string`);
  return value;
}

export function int(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min || n > max) {
    throw new UsageError(`${flag}: ${JSON.stringify(value)} is not a whole number from ${min} to ${max}`);
  }
  return n;
}

export function ints(flag: string, value: string, min: number, max: number): number[] {
  return [...new Set(value.split(',').map((v) => int(flag, v, min, max)))];
}

const UNIT_SEC: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };

/** A duration as k6 and hyperfine write them: `0.5` (seconds), `500ms`, `2s`, `1m`, `1m30s`, `1h`. */
export function parseDuration(value: string): number {
  const text = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text);
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  const units = parts.map((p) => p[2]!);
  const ordered = units.every((u, i) => i === 0 || Object.keys(UNIT_SEC).indexOf(u) > Object.keys(UNIT_SEC).indexOf(units[i - 1]!));
  if (!parts.length || parts.map((p) => p[0]).join('') !== text || !ordered) return Number.NaN;
  return parts.reduce((s, p) => s + Number(p[1]) * UNIT_SEC[p[2]!]!, 0);
}

export function seconds(flag: string, value: string, min = 0.001, max = 3600): number {
  const s = parseDuration(value);
  if (!(s >= min && s <= max)) {
    throw new UsageError(`${flag}: ${JSON.stringify(value)} is not a duration like 0.5, 500ms, 2s, 1m or 1m30s (at least ${min} s, at most ${max} s)`);
  }
  return s;
}

/** A comma-separated list of names, each one of `allowed`. */
export function names(flag: string, value: string, allowed: readonly string[]): string[] {
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = list.filter((n) => !allowed.includes(n));
  if (unknown.length)
    throw new UsageError(`${flag}: unknown ${unknown.map((u) => `${JSON.stringify(u)}${didYouMean(u, allowed)}`).join(', ')}; allowed: ${allowed.join(', ')}`);
  if (!list.length) throw new UsageError(`${flag}: needs at least one of: ${allowed.join(', ')}`);
  return [...new Set(list)];
}

/**
 * --output's value: formats added to the defaults (`csv,openmetrics`), or with `only:` in front (`only:json,csv`)
 * those and no others; json is written either way.
 */
export function outputsFlag(value: string, allowed: readonly string[], defaults: readonly string[], only: string): string[] {
  const replace = value.trim().startsWith(only);
  const chosen = names('--output', replace ? value.trim().slice(only.length) : value, allowed);
  return [...new Set(['json', ...(replace ? [] : defaults), ...chosen])];
}
