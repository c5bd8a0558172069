// The shape of the house, checked: data flows one way (no import runs back up), and no transport is known by
// name outside transports/ (what the harness needs to know of one is data in its traits).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { allowedNames, transports } from '../transports/registry.ts';
import { ROOT } from './helpers.ts';

const sources = (dir: string): string[] =>
  readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(dir, f));

const importsOf = (file: string) =>
  [...readFileSync(path.join(ROOT, file), 'utf8').matchAll(/from '(\.[^']+)'/g)].map((m) => path.join(path.dirname(file), m[1]!));

/** Which folders each folder of bench/ may import from: the architecture, written down once. */
const MAY_IMPORT: Record<string, string[]> = {
  'bench/report': ['bench/report', 'transports'],
  'bench/harness': ['bench/harness', 'bench/report', 'transports'],
  'bench/gate': ['bench/gate', 'bench/report', 'transports'],
  'bench/reporters': ['bench/reporters', 'bench/report', 'bench/gate', 'transports'],
  'bench/output': ['bench/output', 'bench/reporters', 'bench/report', 'bench/gate', 'bench/harness'],
  'bench/cli': ['bench/cli', 'bench/output', 'bench/reporters', 'bench/report', 'bench/gate', 'bench/harness', 'transports'],
};

test('imports follow the flow: cli -> harness -> report -> reporters and gate -> output, never back up', () => {
  const wrong: string[] = [];
  for (const [folder, allowed] of Object.entries(MAY_IMPORT)) {
    for (const file of sources(folder)) {
      for (const target of importsOf(file)) if (!allowed.some((a) => target.startsWith(`${a}/`))) wrong.push(`${file} imports ${target}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('transports/ imports nothing from bench/', () => {
  assert.deepEqual(
    sources('transports').flatMap((f) =>
      importsOf(f)
        .filter((t) => t.startsWith('bench'))
        .map((t) => `${f} imports ${t}`),
    ),
    [],
  );
});

test('no transport or group name appears in the harness, the report, the gate, the reporters or the output', () => {
  const names = new Set([...transports().map((t) => t.name), ...allowedNames()].flatMap((n) => [n, n.split(':')[0]!]));
  const found: string[] = [];
  for (const folder of ['bench/harness', 'bench/report', 'bench/gate', 'bench/reporters', 'bench/output']) {
    for (const file of sources(folder)) {
      const text = readFileSync(path.join(ROOT, file), 'utf8');
      for (const name of names) if (new RegExp(`(?<![\\w/.-])${name.replace(/[.*]/g, '\\$&')}(?![\\w-])`).test(text)) found.push(`${file}: ${name}`);
    }
  }
  assert.deepEqual(found, []);
});
