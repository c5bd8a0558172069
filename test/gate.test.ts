// rpcbench gate on a user's repository, as the README's CI section runs it: a small git repository holding a plugin
// (a JSON-lines RPC, test/fixtures/gate-repo/plugin.mjs) in two commits, the second with its server made slower. The
// gate checks both commits out, runs them in rounds and names the slower one; a commit against itself passes. The
// gate's level is strict here (α = 0.001, in the repository's rpcbench.config.json), so that the same-code pair cannot
// fail by chance more than once in a thousand runs; the slow commit (300 µs more a call, about twice the p50) is far
// beyond what the runs' spread hides on a quiet machine, and the test holds the gate to what it says it can see.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { Report } from '../bench/report/types.ts';
import { fixture, ROOT, tempDir } from './helpers.ts';

const BIN = path.join(ROOT, 'bin/rpcbench.mjs');
const BENCH = [
  '--plugin',
  './rpc/plugin.mjs',
  '--transports',
  'jsonl',
  '--calls',
  'getObj',
  '--scenarios',
  'latency',
  '--trials',
  '1',
  '--duration',
  '0.3',
  '--warmup',
  '0.2',
  '--no-wire',
];

/** A repository with the plugin at commit 1 and, at commit 2, the same plugin `slowUs` slower a call. */
function userRepo(slowUs: number): string {
  const repo = tempDir('rpcbench-gate-repo-');
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'gate@test');
  git('config', 'user.name', 'gate test');
  mkdirSync(path.join(repo, 'rpc'));
  const plugin = readFileSync(fixture('gate-repo/plugin.mjs'), 'utf8');
  writeFileSync(path.join(repo, 'rpc/plugin.mjs'), plugin);
  writeFileSync(path.join(repo, 'rpcbench.config.json'), JSON.stringify({ compare: { alpha: 0.001 } }));
  git('add', '.');
  git('commit', '-q', '-m', 'the RPC layer');
  writeFileSync(path.join(repo, 'rpc/plugin.mjs'), plugin.replace('const SLOW_US = 0;', `const SLOW_US = ${slowUs};`));
  git('commit', '-q', '-am', 'a change');
  return repo;
}

function gate(repo: string, base: string, head: string, runs: number) {
  const out = path.join(tempDir('rpcbench-gate-out-'), 'gate');
  const r = spawnSync(process.execPath, [BIN, 'gate', '--repo', repo, '--base', base, '--head', head, '--runs', String(runs), '--out', out, '--', ...BENCH], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 600_000,
  });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout, out };
}

/** A transport's row of compare.md: its verdict, its p50 change and the smallest slowdown it says it can detect. */
function transportRow(md: string, transport: string) {
  const row = md.split('\n').find((line) => line.startsWith(`| ${transport} | `));
  assert.ok(row, `no row for ${transport} in:\n${md}`);
  // | transport | status | p50 change | cells | p | run-to-run spread | can detect | runs a side for |
  const cells = row.split('|').map((c) => c.replace(/\*\*/g, '').trim());
  const change = /^([+-][\d,.]+)%/.exec(cells[3]);
  assert.ok(change, row);
  const limit = /^≥ ([\d.]+)%/.exec(cells[7]);
  return {
    status: cells[2],
    changePct: Number(change[1].replace(/,/g, '')),
    detectablePct: limit ? Number(limit[1]) : null,
    detectableText: cells[7],
  };
}

describe('rpcbench gate on a repository with a plugin', { timeout: 900_000 }, () => {
  const repo = userRepo(300);

  // What the gate promises is to name a slowdown its runs can see; how much they can see, it states ("can detect"),
  // from their spread. On a quiet machine that is a few percent, and the 300 µs (+100% or more) must be named; a
  // fresh clone beside stress-ng once spread the runs 124%, and "within noise" with that limit shown is the honest
  // answer. Named is required from 1.5 times the stated limit: the limit is what the test finds with 80% power in
  // comparisons drawn from these rounds' own differences, and 1.5 times it far more often (a fresh clone once read
  // +288.6% within noise beside a stated 133%, from a normal model that one round of 12 going the other way did not
  // fit).
  test('the commit that made the server 300 µs a call slower is named wherever the runs can see it: exit 1, regressed, each run labelled with its commit', (t) => {
    // 12 rounds: the paired transport test's smallest p is 1/2^rounds, which must be below α/2 = 0.0005
    const r = gate(repo, 'HEAD~1', 'HEAD', 12);
    const md = readFileSync(path.join(r.out, 'compare.md'), 'utf8');
    const seen = transportRow(md, 'jsonl');
    assert.ok(seen.changePct > 0, `the slower commit measured faster:\n${md}`);
    if (seen.detectablePct !== null && seen.changePct > 1.5 * seen.detectablePct) {
      assert.equal(r.status, 1, `${r.stdout}\n${r.stderr}`);
      assert.equal(seen.status, '🔴 regressed', md);
    } else {
      t.diagnostic(`the runs could not see +${seen.changePct}% (can detect: ${seen.detectableText}); the gate must not call it unchanged`);
      assert.match(seen.status, /^(🔴 regressed|🟡 within noise|⚪ too few samples)$/, md);
      assert.equal(r.status === 1, seen.status === '🔴 regressed', `exit ${r.status} for ${seen.status}`);
    }
    assert.match(md, /paired with the current run of its round/);
    const commits = execFileSync('git', ['-C', repo, 'log', '--format=%h', '-2'], { encoding: 'utf8' }).trim().split('\n');
    assert.match(md, new RegExp(`Code under test: baseline base@${commits[1]}, current head@${commits[0]}`));
    const first = JSON.parse(readFileSync(path.join(r.out, 'head/run-1/latest.json'), 'utf8')) as Report;
    assert.deepEqual([first.meta.subject?.label, first.meta.round], [`head@${commits[0]}`, 0]);
    assert.match(r.stderr, /gate: round 12 of 12/);
  });

  test('a commit against itself passes (exit 0), and the work trees are gone afterwards', () => {
    const r = gate(repo, 'HEAD', 'HEAD', 8);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    // never a regression; which of the other verdicts depends on the machine's noise in those minutes (a fresh-clone
    // CI once saw +12.6% between two runs of one commit: "too few samples", rightly, with 8 runs of 12% spread)
    const md = readFileSync(path.join(r.out, 'compare.md'), 'utf8');
    assert.match(md, /\| jsonl \| (✅ unchanged|🟡 within noise|🟢 improved|⚪ too few samples) \|/);
    assert.match(md, /\*\*No regression\.\*\*/);
    const trees = execFileSync('git', ['-C', repo, 'worktree', 'list'], { encoding: 'utf8' }).trim().split('\n');
    assert.equal(trees.length, 1, trees.join('\n'));
  });

  test('bad input is one line and exit 2, before any run: an unknown ref, options the gate sets, bench options that fail', () => {
    const bad = (args: string[], message: RegExp) => {
      const r = spawnSync(process.execPath, [BIN, 'gate', '--repo', repo, ...args], { encoding: 'utf8', timeout: 120_000 });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(
        r.stderr
          .trim()
          .split('\n')
          .filter((l) => /error/.test(l)).length,
        1,
        r.stderr,
      );
    };
    bad(['--base', 'no-such-branch', '--', ...BENCH], /--base: "no-such-branch" is not a commit/);
    bad(['--base', 'HEAD', '--', ...BENCH, '--out', 'x'], /--out after --: the gate sets it/);
    bad(['--base', 'HEAD', '--', '--transports', 'nosuch'], /the bench options fail on base@\w+: .*nosuch/);
    bad(['--', ...BENCH], /--base REF is required/);
  });
});
