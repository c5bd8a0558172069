// Which build made a report: rpcbench's version (package.json) and the git commit of the checkout it runs from.
// Read once per process; `--version` and every report's meta use these.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** The package's root: two folders up from these sources, three from their build in dist/ (an installed package). */
export const PACKAGE_ROOT = new URL(existsSync(new URL('../../package.json', import.meta.url)) ? '../../' : '../../../', import.meta.url);
const ROOT = PACKAGE_ROOT;

let pkg: { name: string; version: string } | undefined;
export function tool(): { name: string; version: string } {
  pkg ??= JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { name: string; version: string };
  return { name: pkg.name, version: pkg.version };
}

let commit: string | null | undefined;
/** The full commit hash, or null outside a git checkout (an installed package: the version says enough). */
export function gitCommit(): string | null {
  if (commit !== undefined) return commit;
  try {
    commit =
      execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000 })
        .toString()
        .trim() || null;
  } catch {
    commit = null;
  }
  return commit;
}

/** The commit of the git checkout holding `dir` (a plugin's directory), and whether it has uncommitted changes; null outside one. */
export function commitOf(dir: string): { commit: string; dirty: boolean } | null {
  const git = (args: string[]) =>
    execFileSync('git', ['-C', dir, ...args], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 })
      .toString()
      .trim();
  try {
    return { commit: git(['rev-parse', 'HEAD']), dirty: git(['status', '--porcelain', '--untracked-files=no']) !== '' };
  } catch {
    return null;
  }
}
