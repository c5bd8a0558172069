// What a test needs from the machine (a broker, a peer's runtime, a tool), said once. Locally a test whose need is
// missing is skipped, and the skip says what to install; with RPCBENCH_REQUIRE=all (what .ci/run sets) the missing
// need is a failing test that names it, so that CI can never pass by skipping.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import type { BrokerFinder } from '../transports/support/broker.ts';

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

export { mavenPeer } from './fixtures/maven-peer.ts';

/**
 * A broker, found as a run finds it, waiting a while for one that is still starting (CI starts them just before
 * the tests): up to 20 s under RPCBENCH_REQUIRE=all, 2 s otherwise. Returns its URL and the skip option.
 */
export async function broker(finder: BrokerFinder, what: string): Promise<{ url: string; skip: string | false }> {
  const found = await finder.find(REQUIRE_ALL ? 20_000 : 2000);
  return { url: found.url ?? finder.urlFromEnv(), skip: need(what, found.reason) };
}
