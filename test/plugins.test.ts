// Transports from outside the repo: the example plugin passes the same contract tests as the built-in transports and
// runs in bench, serve, --target, thresholds and compare; a plugin that cannot be used is refused before anything runs.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { registerPlugins } from '../bench/harness/plugins.ts';
import type { Report } from '../bench/report/types.ts';
import { loadTransport } from '../transports/registry.ts';
import { contractSuite } from './contract-suite.ts';
import { ROOT, runCli, startPeer, stopPeer, tempDir } from './helpers.ts';

const EXAMPLE = path.join(ROOT, 'examples/plugin-http-fetch/index.ts');

await registerPlugins([EXAMPLE]);
contractSuite(await loadTransport('http-fetch'), false);

const quick = ['--calls', 'fib', '--scenarios', 'latency', '--duration', '0.1', '--trials', '1', '--warmup', '0', '--no-wire'];

describe('the example plugin in every command', { timeout: 120_000 }, () => {
  test('bench: its row runs beside the built-in ones, its server in a child process, and a threshold names it', () => {
    const out = tempDir();
    const r = runCli('bench.ts', ['--plugin', EXAMPLE, '--transports', 'http-fetch,tcp', ...quick, '--threshold', 'http-fetch:fib:p99<10s', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')) as Report;
    assert.deepEqual(report.results.map((c) => c.transport).sort(), ['http-fetch', 'tcp']);
    assert.match(report.meta.transports['http-fetch']!.summary, /example plugin/);
    assert.ok(report.results.find((c) => c.transport === 'http-fetch')!.cpuUsPerCall.server! > 0, 'its own server process was measured');
    assert.match(r.stdout, /met: http-fetch:fib:p99<10s/);
    // two runs of it compare like any other row (compare loads no plugin: the reports say what each row is)
    const cmp = runCli('compare.ts', [path.join(out, 'latest.json'), path.join(out, 'latest.json')]);
    assert.match(cmp.stdout, /^http-fetch +unchanged/m);
  });

  test('plugins from rpcbench.config.json, and serve: "listening ADDRESS"; --target with it against that server', async () => {
    const project = tempDir();
    writeFileSync(path.join(project, 'rpcbench.config.json'), JSON.stringify({ plugins: [path.relative(project, EXAMPLE)] }));
    const served = await startPeer(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'bench/cli/serve.ts'), '--plugin', EXAMPLE, '--transport', 'http-fetch'],
      /listening (http:\S+)/,
    );
    try {
      const out = tempDir();
      const r = runCli('bench.ts', ['--target', `http-fetch=${served.match[1]}`, ...quick, '--out', out], 60_000, {}, project);
      assert.equal(r.status, 0, r.stderr);
      const report = JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')) as Report;
      assert.deepEqual(
        report.results.map((c) => c.transport),
        ['http-fetch'],
      );
      assert.equal(report.meta.transports['http-fetch']!.target, true);
    } finally {
      await stopPeer(served.proc);
    }
  });
});

describe('a plugin that cannot be used: exit 2 with one line, before anything runs', () => {
  const dir = tempDir();
  const plugin = (name: string, source: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, source);
    return file;
  };
  const good = readFileSync(EXAMPLE, 'utf8').replace(/'\.\.\/\.\.\/transports\//g, `'${ROOT}/transports/`);
  const cases: Array<[string, string, RegExp]> = [
    ['no such file', path.join(dir, 'missing.ts'), /plugin .*missing\.ts: no such file/],
    ['does not load', plugin('broken.ts', 'export default {;\n'), /plugin .*broken\.ts does not load: /],
    ['throws while loading', plugin('throws.ts', "throw new Error('no licence');\n"), /plugin .*throws\.ts does not load: no licence/],
    ['exports no descriptor', plugin('empty.ts', 'export const answer = 42;\n'), /plugin .*empty\.ts exports no transport descriptor/],
    [
      'collides with a built-in name',
      plugin('tcp.ts', good.replace("name: 'http-fetch'", "name: 'tcp'")),
      /transport "tcp" collides with a name rpcbench already has/,
    ],
    ['collides with a group name', plugin('amqp.ts', good.replace("name: 'http-fetch'", "name: 'amqp'")), /transport "amqp" collides/],
    [
      'lacks a call',
      plugin('two-calls.ts', good.replace("defaultListen: 'http://127.0.0.1:0',", "defaultListen: 'http://127.0.0.1:0',\n  calls: ['getObj', 'fib'],")),
      /transport "http-fetch" lacks a call: sendObj/,
    ],
    ['lacks a client', plugin('no-client.ts', good.replace('  connect,\n};', '};')), /transport "http-fetch" lacks a call: it has no connect/],
  ];
  for (const [what, file, message] of cases) {
    test(what, () => {
      const started = Date.now();
      const r = runCli('bench.ts', ['--plugin', file, '--transports', 'tcp', ...quick]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.ok(Date.now() - started < 15_000, 'refused before running');
      const served = runCli('serve.ts', ['--plugin', file, '--transport', 'tcp']);
      assert.equal(served.status, 2, served.stderr);
      assert.match(served.stderr, message);
    });
  }
});
