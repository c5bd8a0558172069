// The README and docs/ promise commands: every fenced sh block marked `<!-- safe -->` is run as written, and every
// other `bench` command is run with --dry-run, which parses every option and plans the run without running it. The
// commands run in a copy of the tree made of links, with its own reports/, so they never touch the user's reports.
// They run in order, README first, in one tree, as a reader would: a page may use the report an earlier one made.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

const ROOT = join(import.meta.dirname, '..');
const PAGES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

interface Block {
  page: string;
  safe: boolean;
  commands: string[];
}

/** The fenced sh blocks of a page, each with its commands (comments and blank lines dropped). */
export function shBlocks(page: string, text: string): Block[] {
  const blocks: Block[] = [];
  const re = /(<!-- safe -->\s*\n)?```sh\n([\s\S]*?)```/g;
  for (const m of text.matchAll(re)) {
    const commands = m[2]
      .split('\n')
      .map((line) => line.replace(/\s+#\s.*$/, '').trim())
      .filter((line) => line && !line.startsWith('#'));
    blocks.push({ page, safe: Boolean(m[1]), commands });
  }
  return blocks;
}

/** A bench command that --dry-run can check: no placeholder (SERVER, URL), no input a reader makes first. */
function dryRunnable(command: string): boolean {
  if (!/^(npm run bench|npx rpcbench bench)( |$)/.test(command) || command.includes('&&')) return false;
  return !/--(baseline|start-at|target|segment)\b|\b[A-Z][A-Z_]{2,}\b/.test(command);
}

const blocks = PAGES.flatMap((page) => shBlocks(page, readFileSync(join(ROOT, page), 'utf8')));
let tree: string | null = null;

/** A tree of links to this one, with reports/ of its own. */
function linkedTree(): string {
  if (tree) return tree;
  tree = mkdtempSync(join(tmpdir(), 'rpcbench-docs-'));
  for (const entry of readdirSync(ROOT)) if (entry !== 'reports' && entry !== '.git') symlinkSync(join(ROOT, entry), join(tree, entry));
  mkdirSync(join(tree, 'reports'));
  return tree;
}

/** `npm run bench --dry-run` would be npm's own flag (and run the whole matrix): the bench's options follow `--`. */
function dryRunOf(command: string): string {
  if (command.includes('--dry-run')) return command;
  return /^npm run bench$/.test(command) ? `${command} -- --dry-run` : `${command} --dry-run`;
}

function runAsync(command: string): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', command], { cwd: linkedTree(), timeout: 240_000, killSignal: 'SIGKILL' });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (status) => resolve({ status, out: out.slice(-2000) }));
  });
}

function run(command: string): { status: number | null; out: string } {
  const r = spawnSync('bash', ['-c', command], { cwd: linkedTree(), encoding: 'utf8', timeout: 240_000, killSignal: 'SIGKILL' });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}`.slice(-2000) };
}

after(() => {
  if (tree) rmSync(tree, { recursive: true, force: true });
});

describe('commands in the README and docs/', () => {
  test('the README and docs/ mark some blocks safe to run, and give bench commands to check', () => {
    assert.ok(blocks.filter((b) => b.safe).length >= 3, 'too few safe blocks found: is the marker still <!-- safe -->?');
    assert.ok(blocks.flatMap((b) => b.commands).filter(dryRunnable).length >= 10);
  });

  for (const block of blocks.filter((b) => b.safe)) {
    for (const command of block.commands) {
      test(`${block.page}: ${command}`, () => {
        const r = run(command);
        assert.equal(r.status, 0, `exit ${r.status}: ${r.out}`);
      });
    }
  }

  // a dry run measures nothing, so they run four at a time; each command once, wherever it appears
  const dryRuns = [...new Set(blocks.filter((b) => !b.safe).flatMap((b) => b.commands.filter(dryRunnable)))];
  test(`every other bench command, with --dry-run (${dryRuns.length}): ${dryRuns.join(' · ')}`, async () => {
    const failed: string[] = [];
    for (let i = 0; i < dryRuns.length; i += 4) {
      const batch = dryRuns.slice(i, i + 4);
      const results = await Promise.all(batch.map((c) => runAsync(dryRunOf(c))));
      results.forEach((r, k) => {
        if (r.status !== 0 || !/cells? on \d+ server/.test(r.out)) failed.push(`${batch[k]}: exit ${r.status}: ${r.out}`);
      });
    }
    assert.deepEqual(failed, []);
  });
});
