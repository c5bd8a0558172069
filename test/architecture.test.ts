// The shape of the house, checked: data flows one way (no import runs back up), no transport is known by name
// outside transports/ (what the harness needs to know of one is data in its traits), and a process loads only the
// transports it runs: the registry imports none of their files, and `compare --help` opens no transport library.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { SCENARIOS } from '../bench/scenarios/index.ts';
import { allowedNames, transports } from '../transports/registry.ts';
import { ROOT, tempDir } from './helpers.ts';
import { command, need } from './require.ts';

const sources = (dir: string): string[] =>
  readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(dir, f));

const importsOf = (file: string) =>
  [...readFileSync(path.join(ROOT, file), 'utf8').matchAll(/from '(\.[^']+)'/g)].map((m) => path.join(path.dirname(file), m[1]!));

/** The transport contract: the one module of transports/ that the report and everything reading it may know. */
const CONTRACT = 'transports/contract.ts';

/** Which folders (or files) each folder of bench/ may import from: the architecture, written down once. */
const MAY_IMPORT: Record<string, string[]> = {
  // the library's entry (what `import 'rpcbench'` gives): the commands' own steps, nothing of their printing
  'bench/api': ['bench/api', 'bench/cli', 'bench/gate', 'bench/harness', 'bench/report', 'bench/scenarios', 'transports'],
  'bench/report': ['bench/report', CONTRACT],
  'bench/stats': ['bench/stats', 'bench/report', CONTRACT],
  'bench/scenarios': ['bench/scenarios', 'bench/stats', 'bench/report'],
  'bench/cells': ['bench/cells', 'bench/scenarios', 'bench/stats', 'bench/report', CONTRACT],
  'bench/harness': ['bench/harness', 'bench/cells', 'bench/scenarios', 'bench/stats', 'bench/report', 'transports'],
  'bench/gate': ['bench/gate', 'bench/cells', 'bench/scenarios', 'bench/stats', 'bench/report', CONTRACT],
  'bench/history': ['bench/history', 'bench/gate', 'bench/cells', 'bench/scenarios', 'bench/stats', 'bench/report', CONTRACT],
  'bench/formats': ['bench/formats', 'bench/history', 'bench/gate', 'bench/cells', 'bench/scenarios', 'bench/stats', 'bench/report', CONTRACT],
  'bench/publish': ['bench/publish', 'bench/formats', 'bench/history', 'bench/gate', 'bench/cells', 'bench/report', 'bench/harness'],
  'bench/cli': [
    'bench/cli',
    'bench/publish',
    'bench/formats',
    'bench/history',
    'bench/gate',
    'bench/harness',
    'bench/cells',
    'bench/scenarios',
    'bench/stats',
    'bench/report',
    'transports',
  ],
};

const allowed = (target: string, rules: string[]) => rules.some((a) => target === a || target.startsWith(`${a}/`));

test('imports follow the flow: cli -> harness -> cells -> scenarios -> stats -> report, formats and gate above, publish on top, never back up', () => {
  const wrong: string[] = [];
  for (const [folder, rules] of Object.entries(MAY_IMPORT)) {
    for (const file of sources(folder)) for (const target of importsOf(file)) if (!allowed(target, rules)) wrong.push(`${file} imports ${target}`);
  }
  assert.deepEqual(wrong, []);
});

test('transports/ imports nothing from bench/', () => {
  const wrong = sources('transports').flatMap((f) =>
    importsOf(f)
      .filter((t) => t.startsWith('bench'))
      .map((t) => `${f} imports ${t}`),
  );
  assert.deepEqual(wrong, []);
});

test("the registry and the interface load no transport: the registry's lines import() their files, statically it imports only data", () => {
  const registry = readFileSync(path.join(ROOT, 'transports/registry.ts'), 'utf8');
  const staticImports = [...registry.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]);
  assert.deepEqual(staticImports.sort(), ['./support/broker.ts', './support/names.ts', './transport.ts']);
  // and what those import in turn: node's own modules and each other, no library
  for (const file of ['transports/support/broker.ts', 'transports/transport.ts', 'transports/support/address.ts', 'transports/support/names.ts']) {
    const libraries = [...readFileSync(path.join(ROOT, file), 'utf8').matchAll(/^import .* from '([^'.][^']*)';$/gm)]
      .map((m) => m[1])
      .filter((m) => !m!.startsWith('node:'));
    assert.deepEqual(libraries, [], file);
  }
  const lazy = [...registry.matchAll(/import\('\.\/([\w-]+)\.ts'\)/g)].map((m) => m[1]);
  assert.ok(lazy.length >= 12, `the lines import() their files: ${lazy.join(', ')}`);
});

test('no transport or group name appears in the harness, scenarios, cells, report, gate, formats or publish', () => {
  const names = new Set([...transports().map((t) => t.name), ...allowedNames()].flatMap((n) => [n, n.split(':')[0]!]));
  // the one exception, by design: old schemas' transports, frozen so that an old report reads the same whatever the registry says
  const frozen = 'bench/report/upgrade.ts';
  const found: string[] = [];
  for (const folder of ['bench/harness', 'bench/scenarios', 'bench/cells', 'bench/report', 'bench/gate', 'bench/history', 'bench/formats', 'bench/publish']) {
    for (const file of sources(folder).filter((f) => f !== frozen)) {
      const text = readFileSync(path.join(ROOT, file), 'utf8');
      for (const name of names) if (new RegExp(`(?<![\\w/.-])${name.replace(/[.*]/g, '\\$&')}(?![\\w-])`).test(text)) found.push(`${file}: ${name}`);
    }
  }
  assert.deepEqual(found, []);
});

test('no scenario is named outside its own file: others reach it through scenarioOf(cell.scenario), never by its name', () => {
  // the one exception, by design: old schemas' scenarios, frozen so that an old report reads the same whatever today's descriptors say
  const frozen = 'bench/report/upgrade.ts';
  const found: string[] = [];
  for (const scenario of SCENARIOS) {
    const own = `bench/scenarios/${scenario.name}.ts`;
    for (const file of sources('bench').filter((f) => f !== own && f !== frozen && f !== 'bench/scenarios/index.ts')) {
      // code, not comments: a comment may say what a scenario is
      const code = readFileSync(path.join(ROOT, file), 'utf8')
        .split('\n')
        .filter((line) => !/^\s*(\/\/|\*|\/\*)/.test(line))
        .join('\n');
      if (new RegExp(`['"\`]${scenario.name}['"\`]`).test(code)) found.push(`${file}: '${scenario.name}'`);
      if (importsOf(file).includes(own)) found.push(`${file} imports ${own}`);
    }
  }
  assert.deepEqual(found, []);
});

const skip = need('strace', command('strace', 'apt-get install strace'));
// every library a transport (or a broker's container) needs: a command opens only those of what it runs
const HEAVY = [
  'zeromq',
  '@grpc',
  'amqplib',
  'thrift',
  'ioredis',
  'mqtt',
  '@nats-io',
  '@connectrpc',
  '@bufbuild',
  'xmlrpc',
  'hessian.js',
  'msgpackr',
  '@msgpack',
  'saxes',
  'undici',
  'testcontainers',
];

/** The heavy transport libraries a command (and every process it starts) opens: strace -f -e trace=openat. */
function librariesOpened(args: string[]): string[] {
  const log = path.join(tempDir(), 'strace.log');
  const r = spawnSync('strace', ['-f', '-qq', '-e', 'trace=openat', '-o', log, process.execPath, path.join(ROOT, 'bin/rpcbench.mjs'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.error, undefined, 'strace is missing: apt-get install strace');
  assert.equal(r.status, 0, r.stderr);
  const opened = [...readFileSync(log, 'utf8').matchAll(/node_modules\/((?:@[\w.-]+\/)?[\w.-]+)/g)].map((m) => m[1]!);
  return [...new Set(opened.filter((m) => HEAVY.some((h) => m === h || m.startsWith(`${h}/`))))].sort();
}

test('`rpcbench compare --help` and `--help` open no transport library', { timeout: 60_000, skip }, () => {
  assert.deepEqual(librariesOpened(['compare', '--help']), []);
  assert.deepEqual(librariesOpened(['--help']), []);
});

test("a bench run of tcp, its server child and two client worker threads open tcp's MessagePack codecs and no other transport library", {
  timeout: 120_000,
  skip,
}, () => {
  const out = tempDir();
  const run = ['bench', '--transports', 'tcp', '--calls', 'fib', '--scenarios', 'latency', '--count', '50', '--trials', '1', '--warmup', '0'];
  assert.deepEqual(librariesOpened([...run, '--client-workers', '2', '--no-wire', '--out', out]), ['@msgpack/msgpack', 'msgpackr']);
});

test('a server child of zerorpc opens zeromq and its MessagePack codecs, and no other transport library', { timeout: 120_000, skip }, () => {
  const out = tempDir();
  const run = ['bench', '--transports', 'zerorpc', '--calls', 'fib', '--scenarios', 'latency', '--count', '50', '--trials', '1', '--warmup', '0'];
  assert.deepEqual(librariesOpened([...run, '--no-wire', '--out', out]), ['@msgpack/msgpack', 'msgpackr', 'zeromq']);
});
