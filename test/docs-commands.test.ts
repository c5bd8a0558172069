// The README and docs/ promise commands: every fenced sh block marked `<!-- safe -->` is run as written, and every
// other `bench` command is run with --dry-run, which parses every option and plans the run without running it. The
// commands run in a copy of the tree made of links, with its own reports/, so they never touch the user's reports.
// They run in order, README first, in one tree, as a reader would: a page may use the report an earlier one made.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { amqpDeleteQueue, amqpQueueExists } from './helpers.ts';

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
  /** What a command's own comment promises of its output: `# ... 8 cells ...`, by command. */
  cells: Map<string, number>;
}

/** The fenced sh blocks of a page, each with its commands (comments and blank lines dropped). */
export function shBlocks(page: string, text: string): Block[] {
  const blocks: Block[] = [];
  const re = /(<!-- safe -->\s*\n)?```sh\n([\s\S]*?)```/g;
  for (const m of text.matchAll(re)) {
    const lines = m[2].split('\n').filter((line) => line.trim() && !line.trim().startsWith('#'));
    const cells = new Map<string, number>();
    const commands = lines.map((line) => {
      const command = line.replace(/\s+#\s.*$/, '').trim();
      const promised = /\s#\s.*?(\d[\d,]*) cells/.exec(line)?.[1];
      if (promised) cells.set(command, Number(promised.replaceAll(',', '')));
      return command;
    });
    blocks.push({ page, safe: Boolean(m[1]), commands, cells });
  }
  return blocks;
}

/** A bench command that --dry-run can check: no placeholder (SERVER, URL), no input a reader makes first. */
function dryRunnable(command: string): boolean {
  if (!/^(npm run bench|npx rpcbench bench)( |$)/.test(command) || command.includes('&&')) return false;
  return !/--(baseline|start-at|target|segment)\b|\b[A-Z][A-Z_]{2,}\b/.test(command);
}

/** A server a page starts for the commands after it, and the line it prints once it serves. */
const SERVER = /^(npm run serve -- .*--listen '?[a-z]+:\/\/([^@ ]*@)?127\.0\.0\.1|(\/usr\/bin\/)?python3 test\/fixtures\/\w+_server\.py)/;

/**
 * Why a command is neither run as written nor dry-run nor run beside its server: every command of the docs has one
 * of these, or this test fails (a new command is checked, or says why it is not).
 */
const NOT_RUN: Array<[RegExp, string]> = [
  [/^npm (ci|install)\b/, 'installs packages (.ci/run and test/package.test.ts do)'],
  [/\bgate\b/, 'benchmarks two commits of a repository (test/gate.test.ts runs it)'],
  [/--baseline|compare .*reports\/before/, 'needs reports/before, which the tour makes first (test/compare.test.ts runs the gate)'],
  [/\bSERVER\b|seg[01]\//, 'generators on other hosts (test/netns.test.ts runs them)'],
  [/--listen \S*0\.0\.0\.0/, 'binds every interface, which a test does not'],
  [/history add .*&&/, 'adds to the history store of the reader (test/history.test.ts runs both)'],
];

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

/** The commands of a block as servers, each with the commands after it that use it (up to the next server). */
function withServers(block: Block): Array<{ server: string; clients: string[] }> {
  const pairs: Array<{ server: string; clients: string[] }> = [];
  for (const command of block.commands) {
    if (SERVER.test(command)) pairs.push({ server: command, clients: [] });
    else pairs.at(-1)?.clients.push(command);
  }
  return pairs.filter((p) => p.clients.length);
}

/** Starts `command` in its own process group, resolving with the port it prints once it serves. */
function startServer(command: string): Promise<{ port: string; stop: () => void }> {
  const child = spawn('bash', ['-c', `exec ${command}`], { cwd: linkedTree(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = () => {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {}
  };
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no "listening" within 60 s: ${out}`));
    }, 60_000);
    const seen = (d: Buffer) => {
      out += d;
      const m = /listening(?: \S*:(\d+))?/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ port: m[1] ?? '', stop });
      }
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before serving: ${out}`));
    });
  });
}

/** A client of a page's server: a bench against it is cut to one short cell (its options otherwise as written). */
const asClient = (command: string, port: string) => {
  const c = command.replaceAll('PORT', port);
  return /^(npm run bench|npx rpcbench bench)/.test(c)
    ? `${c} --calls fib --scenarios latency --concurrency 1 --trials 1 --duration 100ms --warmup 0 --no-wire`
    : c;
};

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

  // a dry run measures nothing, so they run four at a time; each command once, wherever it appears. A command whose
  // comment promises a number of cells must plan that many: a safe block's too, which runs above but counts nothing
  const promised = new Map(blocks.flatMap((b) => [...b.cells]));
  const dryRuns = [...new Set([...blocks.filter((b) => !b.safe).flatMap((b) => b.commands), ...promised.keys()].filter(dryRunnable))];
  test(`every other bench command, with --dry-run (${dryRuns.length}): ${dryRuns.join(' · ')}`, async () => {
    const failed: string[] = [];
    for (let i = 0; i < dryRuns.length; i += 4) {
      const batch = dryRuns.slice(i, i + 4);
      const results = await Promise.all(batch.map((c) => runAsync(dryRunOf(c))));
      results.forEach((r, k) => {
        const cells = /(\d[\d,]*) cells? on \d+ server/.exec(r.out)?.[1];
        const want = promised.get(batch[k]!);
        if (r.status !== 0 || !cells) failed.push(`${batch[k]}: exit ${r.status}: ${r.out}`);
        else if (want !== undefined && Number(cells.replaceAll(',', '')) !== want)
          failed.push(`${batch[k]}: the page says ${want} cells, the plan has ${cells}`);
      });
    }
    assert.deepEqual(failed, []);
    assert.ok(promised.size >= 5, `only ${promised.size} commands promise a number of cells: is the comment still "# ... N cells"?`);
  });

  // a server and the clients a page runs against it, as a reader in two shells would. The pages' RabbitMQ queue
  // (the tutorial's rpc_queue) outlives its servers, as the tutorial's does: it goes afterwards if this test made it
  const pairs = blocks.filter((b) => !b.safe).flatMap(withServers);
  const TUTORIAL = { url: 'amqp://guest:guest@127.0.0.1:5672', queue: 'rpc_queue' };
  let tutorialQueueWasThere = true;
  before(async () => {
    tutorialQueueWasThere = await amqpQueueExists(TUTORIAL.url, TUTORIAL.queue).catch(() => true);
  });
  after(async () => {
    if (!tutorialQueueWasThere) await amqpDeleteQueue(TUTORIAL.url, TUTORIAL.queue).catch(() => {});
  });
  for (const { server, clients } of pairs) {
    test(`beside ${server}: ${clients.join(' · ')}`, { timeout: 240_000 }, async () => {
      const { port, stop } = await startServer(server);
      try {
        for (const client of clients) {
          const r = await runAsync(asClient(client, port));
          assert.equal(r.status, 0, `${client}: exit ${r.status}: ${r.out}`);
        }
      } finally {
        stop();
      }
    });
  }

  test('every command of the docs is checked, or says why not', () => {
    const checked = new Set([...dryRuns, ...pairs.flatMap((p) => [p.server, ...p.clients])]);
    const unexplained = blocks
      .filter((b) => !b.safe)
      .flatMap((b) => b.commands)
      .filter((c) => !checked.has(c) && !NOT_RUN.some(([re]) => re.test(c)));
    assert.deepEqual(unexplained, []);
  });
});
