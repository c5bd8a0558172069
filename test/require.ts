// What a test needs from the machine (a broker, a peer's runtime, a tool), said once. Locally a test whose need is
// missing is skipped, and the skip says what to install; with RPCBENCH_REQUIRE=all (what .ci/run sets) the missing
// need is a failing test that names it, so that CI can never pass by skipping.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import type { BrokerFinder } from '../transports/support/broker.ts';
import { ROOT } from './helpers.ts';

export const REQUIRE_ALL = process.env.RPCBENCH_REQUIRE === 'all';

/**
 * The skip option for the tests that need `what`: false when it is here. `missing`: why not, with what to install.
 * Under RPCBENCH_REQUIRE=all a missing need also adds a failing test "requires WHAT".
 */
export function need(what: string, missing: string | false | null): string | false {
  if (!missing) return false;
  if (REQUIRE_ALL) test(`requires ${what}`, () => assert.fail(`RPCBENCH_REQUIRE=all and ${what} is missing: ${missing}`));
  return `${what} is missing: ${missing}`;
}

/** A command on the PATH, or why not. */
export function command(name: string, install: string): string | false {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0 ? false : `no ${name} on the PATH (${install})`;
}

/** A file (a jar, a binary), or why not. */
export function file(path: string, install: string): string | false {
  return existsSync(path) ? false : `no ${path} (${install})`;
}

/** A module of Debian's Python, or why not. */
export function pythonModule(module: string, install: string): string | false {
  return spawnSync('/usr/bin/python3', ['-c', `import ${module}`]).status === 0 ? false : `/usr/bin/python3 cannot import ${module} (${install})`;
}

/**
 * The python of the project's venv of PyPI peers (scripts/python-peers.sh makes it; .ci/run through setup-ci.sh), and
 * whether it imports `module`, or why not.
 */
export function pypiPeer(module: string): { python: string; missing: string | false } {
  const python = spawnSync('bash', ['scripts/python-peers.sh', '--path'], { encoding: 'utf8', timeout: 10_000 }).stdout.trim();
  const ok = python !== '' && spawnSync(python, ['-c', `import ${module}`], { timeout: 30_000 }).status === 0;
  return { python, missing: ok ? false : `${python || 'the PyPI venv'} cannot import ${module} (bash scripts/python-peers.sh)` };
}

/**
 * The Maven project in test/fixtures/NAME, built from Maven Central (compiled, and its runtime jars copied) once per
 * hash of its files and of the JDK, under RPCBENCH_CACHE (default ~/.cache/rpcbench): its classpath, or why not.
 * A build has a deadline of 15 minutes (a first one downloads the jars).
 */
export function mavenPeer(name: string): { classpath: string; missing: string | false } {
  const dir = join(ROOT, 'test', 'fixtures', name);
  const noMaven = command('mvn', 'apt-get install maven') || command('javac', 'apt-get install default-jdk-headless');
  if (noMaven) return { classpath: '', missing: noMaven };
  const hash = createHash('sha256');
  for (const file of filesUnder(dir)) hash.update(file).update(readFileSync(join(dir, file)));
  hash.update(spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr);
  const out = join(process.env.RPCBENCH_CACHE || join(homedir(), '.cache', 'rpcbench'), `maven-${name}-${hash.digest('hex').slice(0, 16)}`);
  const classpath = `${join(out, 'classes')}:${join(out, 'lib', '*')}`;
  if (existsSync(join(out, 'classes'))) return { classpath, missing: false };
  const tmp = `${out}.tmp.${process.pid}`;
  cpSync(dir, tmp, { recursive: true });
  const args = ['-q', '-B', '-Dstyle.color=never', 'compile', 'dependency:copy-dependencies', '-DincludeScope=runtime', '-DoutputDirectory=lib'];
  const r = spawnSync('mvn', args, { cwd: tmp, encoding: 'utf8', timeout: 900_000 });
  if (r.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    const errors = `${r.stdout}${r.stderr}`
      .split('\n')
      .filter((l) => l.includes('[ERROR]'))
      .map((l) => l.slice(l.indexOf('[ERROR]')))
      .slice(0, 6)
      .join(' / ');
    return { classpath: '', missing: `mvn could not build test/fixtures/${name}: ${errors || r.error?.message}` };
  }
  mkdirSync(out, { recursive: true });
  renameSync(join(tmp, 'target', 'classes'), join(out, 'classes.new'));
  renameSync(join(tmp, 'lib'), join(out, 'lib'));
  renameSync(join(out, 'classes.new'), join(out, 'classes')); // last: its presence says the build is whole
  rmSync(tmp, { recursive: true, force: true });
  return { classpath, missing: false };
}

/** The files under `dir`, relative and sorted, without a build's own output. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .filter((f) => !f.startsWith('target/') && !f.startsWith('lib/'))
    .sort();
}

/**
 * A broker, found as a run finds it, waiting a while for one that is still starting (CI starts them just before
 * the tests): up to 20 s under RPCBENCH_REQUIRE=all, 2 s otherwise. Returns its URL and the skip option.
 */
export async function broker(finder: BrokerFinder, what: string): Promise<{ url: string; skip: string | false }> {
  const found = await finder.find(REQUIRE_ALL ? 20_000 : 2000);
  return { url: found.url ?? finder.urlFromEnv(), skip: need(what, found.reason) };
}
