// `rpcbench gate --base REF [--head REF] [--repo DIR] [--runs N] -- BENCH-ARGS`: did a change to your code make it
// slower? Checks out the base (and the head) of your repository as git work trees, installs each as its package says
// (or as --install says), and benchmarks both sides in rounds, A B then B A, so that whatever the machine does in a
// round falls on both of its runs; then the gate compares them, each base run paired with the head run of its round,
// and exits as the gate does. BENCH-ARGS are bench's options, run in each side's tree: a `--plugin ./myrpc/index.ts`
// loads that side's plugin. A side that is an rpcbench checkout runs its own rpcbench (the gate of rpcbench itself).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runGate } from '../gate/gate.ts';
import { onShutdown } from '../harness/shutdown.ts';
import { checkWritableDir, publishComparison, terminal } from '../publish/publish.ts';
import { loadReport } from '../report/read.ts';
import { PACKAGE_ROOT } from '../report/tool.ts';
import type { Report } from '../report/types.ts';
import { outcomeSchemas } from '../scenarios/index.ts';
import { given, int, parseFlags, UsageError } from './args.ts';
import { gateExit, isEntry, runCommand } from './command.ts';

const USAGE = `Usage: rpcbench gate --base REF [--head REF] [options] -- BENCH-OPTIONS
       (in a clone: npm run gate -- ...)

Benchmarks two versions of your code in one job and gates the change: the base (a git ref of --repo) and the head
(another ref, or by default the working tree as it is), each in a git work tree of its own, installed as its
package says. Both run BENCH-OPTIONS in rounds, base then head, head then base, ..., so that the machine's noise
falls on both alike; each base run is paired with the head run of its round. Then the regression gate compares
them and exits as it does: 0 no regression, 1 regression, 2 undecided or bad input.

  --base REF        the version to compare with (a branch, tag or commit of --repo), e.g. origin/main
  --head REF        the version under test (default: the working tree of --repo, uncommitted changes and all)
  --repo DIR        your repository (default: the current directory)
  --runs N          rounds, each one run of each side (default 8: what a small matrix needs to decide)
  --install CMD     how to install a side (default: a side whose package-lock.json is the working tree's
                    shares its node_modules; otherwise npm ci where there is a package-lock.json, npm
                    install where there is only a package.json; nothing else); not run on the working tree
  --build CMD       run after the install in each side, e.g. "npm run build"
  --config FILE     the gate's thresholds (default: rpcbench.config.json in --repo)
  --out DIR         where each run's report, each side's log and compare.md go (default reports/gate)
  --keep            keep the work trees (default: removed at the end)

BENCH-OPTIONS, after --, are bench's (see rpcbench bench --help), run in each side's tree: a plugin given with a
path relative to the repository is that side's. Each run is labelled base@COMMIT or head@COMMIT.
e.g.  rpcbench gate --base origin/main -- --plugin ./rpc/bench-plugin.ts --transports myrpc --calls getObj --quick --trials 1
`;

const spec = {
  base: { type: 'string' },
  head: { type: 'string' },
  repo: { type: 'string' },
  runs: { type: 'string' },
  install: { type: 'string' },
  build: { type: 'string' },
  config: { type: 'string' },
  out: { type: 'string' },
  keep: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** How long a side's install or build may take, and one bench run. */
const SETUP_MS = 20 * 60_000;
const RUN_MS = 30 * 60_000;
const THIS_BIN = fileURLToPath(new URL('bin/rpcbench.mjs', PACKAGE_ROOT));

interface Side {
  name: 'base' | 'head';
  /** The commit, or null for the working tree as it is. */
  commit: string | null;
  dir: string;
  /** The rpcbench that runs this side: its own where the side is an rpcbench checkout, else this one. */
  bin: string;
  label: string;
  /** Whether this side's bench takes --label and --round (an rpcbench from before the gate does not); known once it is installed. */
  labels: boolean;
}

export async function main(argv: string[]): Promise<number> {
  const split = argv.indexOf('--');
  const [own, benchArgs] = split < 0 ? [argv, []] : [argv.slice(0, split), argv.slice(split + 1)];
  const { values, positionals } = parseFlags(own, spec, true);
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}: bench's options go after -- (see --help)`);
  const base = given('--base', values.base);
  if (!base) throw new UsageError('--base REF is required: the version to compare with, e.g. --base origin/main');
  if (!benchArgs.length) throw new UsageError('no bench options after --: say what to benchmark, e.g. -- --plugin ./my-plugin.ts --quick');
  const forbidden = benchArgs.find((a) => /^--(out|label|round|baseline|runs|json|dry-run)(=|$)/.test(a));
  if (forbidden) throw new UsageError(`${forbidden.split('=')[0]} after --: the gate sets it for each run (see --help)`);
  const repo = repoRoot(given('--repo', values.repo) ?? '.');
  const runs = values.runs === undefined ? 8 : int('--runs', values.runs, 2, 200);
  const out = path.resolve(given('--out', values.out) ?? 'reports/gate');
  checkWritableDir(out, '--out');
  const config = given('--config', values.config) ?? (existsSync(path.join(repo, 'rpcbench.config.json')) ? path.join(repo, 'rpcbench.config.json') : null);
  const baseCommit = commitOf(repo, base, '--base');
  const headRef = given('--head', values.head);
  const headCommit = headRef === undefined ? null : commitOf(repo, headRef, '--head');

  const trees = mkdtempSync(path.join(tmpdir(), 'rpcbench-gate-'));
  const cleanup = () => removeTrees(repo, trees, Boolean(values.keep));
  const unregister = onShutdown(cleanup, 'work trees');
  try {
    const sides = [side('base', baseCommit, repo, trees), headCommit === null ? workingTree(repo) : side('head', headCommit, repo, trees)] as const;
    for (const s of sides) setUp(s, repo, { install: given('--install', values.install) ?? null, build: given('--build', values.build) ?? null, out });
    for (const s of sides) await check(s, benchArgs, out);
    const files = await rounds(sides, benchArgs, runs, out);
    const comparison = runGate({
      baseline: files.base.map((f, round) => ranIn(loadReport(f, outcomeSchemas()), sides[0], round)),
      current: files.head.map((f, round) => ranIn(loadReport(f, outcomeSchemas()), sides[1], round)),
      normalize: null,
      config,
    });
    publishComparison(comparison, [], { markdownFile: path.join(out, 'compare.md'), markdownToStdout: false, benchmarkAction: [], terminal: terminal(false) });
    return gateExit(comparison, 'gate');
  } finally {
    unregister();
    cleanup();
  }
}

function git(repo: string, args: string[]): string {
  return execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }).trim();
}

function repoRoot(dir: string): string {
  try {
    return git(path.resolve(dir), ['rev-parse', '--show-toplevel']);
  } catch {
    throw new UsageError(`--repo: ${JSON.stringify(dir)} is not in a git repository`);
  }
}

function commitOf(repo: string, ref: string, flag: string): string {
  try {
    return git(repo, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    throw new UsageError(`${flag}: ${JSON.stringify(ref)} is not a commit of ${repo} (a branch, tag or commit; fetch it first if it is remote)`);
  }
}

/** The rpcbench that runs a side: its own where the side is an rpcbench checkout (the gate of rpcbench itself), else this one. */
function binOf(dir: string): string {
  const pkg = path.join(dir, 'package.json');
  const own = path.join(dir, 'bin/rpcbench.mjs');
  if (existsSync(pkg) && existsSync(own) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'rpcbench') return own;
  return THIS_BIN;
}

function side(name: 'base' | 'head', commit: string, repo: string, trees: string): Side {
  const dir = path.join(trees, name);
  git(repo, ['worktree', 'add', '--detach', '--force', dir, commit]);
  const bin = binOf(dir);
  return { name, commit, dir, bin, label: `${name}@${commit.slice(0, 7)}`, labels: false };
}

function workingTree(repo: string): Side {
  const dirty = git(repo, ['status', '--porcelain', '--untracked-files=no']) !== '';
  const commit = git(repo, ['rev-parse', 'HEAD']);
  const bin = binOf(repo);
  return { name: 'head', commit: null, dir: repo, bin, label: `head@${commit.slice(0, 7)}${dirty ? '+changes' : ''}`, labels: false };
}

/** Whether a side's bench knows --label and --round: an older rpcbench (the base of the change that brought the gate) does not. */
function takesLabels(bin: string, dir: string): boolean {
  if (bin === THIS_BIN) return true;
  try {
    return execFileSync(process.execPath, [bin, 'bench', '--help'], { cwd: dir, encoding: 'utf8', timeout: 60_000 }).includes('--round');
  } catch {
    return false;
  }
}

/** A report as this gate ran it: its side's label and its round, also where the side's bench could not record them. */
function ranIn(report: Report, s: Side, round: number): Report {
  report.meta.subject ??= { label: s.label };
  report.meta.round ??= round;
  return report;
}

function removeTrees(repo: string, trees: string, keep: boolean): void {
  if (keep) return void process.stderr.write(`gate: the work trees are kept in ${trees}\n`);
  for (const name of ['base', 'head']) {
    const dir = path.join(trees, name);
    if (existsSync(dir)) {
      try {
        git(repo, ['worktree', 'remove', '--force', dir]);
      } catch {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  rmSync(trees, { recursive: true, force: true });
  try {
    git(repo, ['worktree', 'prune']);
  } catch {
    // a pruned list is tidy, not needed
  }
}

/**
 * A side's install and build (not for the working tree, which is the user's own, as installed). A side whose lockfile
 * is the working tree's shares the working tree's node_modules (a link): most changes touch no dependency, and an
 * install from a lockfile whose tarballs sit at paths relative to the repository would fail in a work tree elsewhere.
 */
function setUp(s: Side, repo: string, o: { install: string | null; build: string | null; out: string }): void {
  if (s.commit === null) return;
  if (o.install === null && sharesModules(s.dir, repo)) {
    symlinkSync(path.join(repo, 'node_modules'), path.join(s.dir, 'node_modules'), 'dir');
    process.stderr.write(`gate: install of ${s.label}: its lockfile is the working tree's, so is its node_modules\n`);
  }
  const installed = existsSync(path.join(s.dir, 'node_modules'));
  const install =
    o.install ??
    (installed ? null : existsSync(path.join(s.dir, 'package-lock.json')) ? 'npm ci' : existsSync(path.join(s.dir, 'package.json')) ? 'npm install' : null);
  for (const [what, cmd] of [
    ['install', install],
    ['build', o.build],
  ] as const) {
    if (!cmd) continue;
    process.stderr.write(`gate: ${what} of ${s.label}: ${cmd}\n`);
    const log = path.join(o.out, `${s.name}-${what}.log`);
    try {
      execFileSync('bash', ['-c', `${cmd} > ${JSON.stringify(log)} 2>&1`], { cwd: s.dir, timeout: SETUP_MS, stdio: 'ignore' });
    } catch {
      throw new Error(`gate: the ${what} of ${s.label} failed (${cmd}): see ${log}`);
    }
  }
}

function sharesModules(dir: string, repo: string): boolean {
  const lock = (d: string) => (existsSync(path.join(d, 'package-lock.json')) ? readFileSync(path.join(d, 'package-lock.json'), 'utf8') : null);
  const mine = lock(dir);
  return mine !== null && mine === lock(repo) && existsSync(path.join(repo, 'node_modules')) && !existsSync(path.join(dir, 'node_modules'));
}

/** BENCH-OPTIONS checked on each side before any run (a dry run): bad options are exit 2 now, not after a round. */
async function check(s: Side, benchArgs: string[], out: string): Promise<void> {
  const r = await runBench(s, [...benchArgs, '--dry-run'], path.join(out, `${s.name}-check.log`));
  if (r !== 0) {
    const lines = readFileSync(path.join(out, `${s.name}-check.log`), 'utf8')
      .trim()
      .split('\n');
    throw new UsageError(`the bench options fail on ${s.label}: ${lines.at(-1) ?? `exit ${r}`}`);
  }
  s.labels = takesLabels(s.bin, s.dir);
}

/** Runs one bench of a side in its tree, its output to `log`; resolves with its exit code. Stopped with the gate. */
function runBench(s: Side, args: string[], log: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [s.bin, 'bench', ...args], { cwd: s.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const file = createWriteStream(log);
    child.stdout!.pipe(file);
    child.stderr!.pipe(file);
    const timer = setTimeout(() => child.kill('SIGTERM'), RUN_MS);
    // a Ctrl-C of the gate stops the run, which cleans up its servers and writes what finished
    const unregister = onShutdown(
      () =>
        new Promise<void>((done) => {
          if (child.exitCode !== null) return done();
          child.once('exit', () => done());
          child.kill('SIGTERM');
        }),
      'runs',
    );
    child.on('error', (e) => {
      clearTimeout(timer);
      unregister();
      reject(e);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      unregister();
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

/** N rounds, base then head, head then base, ...: each side's report files, in round order. */
async function rounds(sides: readonly [Side, Side], benchArgs: string[], runs: number, out: string): Promise<{ base: string[]; head: string[] }> {
  const files = { base: [] as string[], head: [] as string[] };
  for (let round = 0; round < runs; round++) {
    const order = round % 2 === 0 ? sides : ([sides[1], sides[0]] as const);
    for (const s of order) {
      const dir = path.join(out, s.name, `run-${round + 1}`);
      mkdirSync(dir, { recursive: true });
      process.stderr.write(`gate: round ${round + 1} of ${runs}: ${s.label}\n`);
      const labels = s.labels ? ['--label', s.label, '--round', String(round)] : [];
      const code = await runBench(s, [...benchArgs, ...labels, '--out', dir], path.join(dir, 'bench.log'));
      const report = path.join(dir, 'latest.json');
      // a run whose calls failed (exit 1) is still a sample, with its errors in it; one that wrote nothing is not
      if (!existsSync(report)) throw new Error(`gate: run ${round + 1} of ${s.label} wrote no report (exit ${code}): see ${path.join(dir, 'bench.log')}`);
      files[s.name].push(report);
    }
  }
  return files;
}

if (isEntry(import.meta.url)) runCommand('gate', main);
