// A Go program built with the Go toolchain from the module proxy (a reference server that a row runs, which is also
// a test's peer), once per hash of its files and of the Go version (support/build-cache.ts). Its go.sum pins every
// module it downloads.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildDir, runBuild, toolMissing } from './build-cache.ts';

export type GoBuild = { binary: string; missing: false } | { binary: ''; missing: string };

/** The binary of the Go module in `dir` (named `name` in the cache), built if it is not yet; or why not. */
export async function goBuild(dir: string, name: string): Promise<GoBuild> {
  const missing = toolMissing([['go', 'apt-get install golang-go, or Go from go.dev']]);
  if (missing) return { binary: '', missing };
  const out = buildDir(dir, `go-${name}`, spawnSync('go', ['version'], { encoding: 'utf8' }).stdout ?? '');
  const binary = join(out, name);
  if (existsSync(binary)) return { binary, missing: false };
  mkdirSync(out, { recursive: true });
  const tmp = `${binary}.tmp.${process.pid}`;
  // -mod=readonly: the committed go.mod and go.sum say exactly what is downloaded; a build never edits them
  const failed = await runBuild('go', ['build', '-mod=readonly', '-trimpath', '-o', tmp, '.'], dir, (l) => l.trim() !== '');
  if (failed) return { binary: '', missing: `go could not build ${relative(process.cwd(), dir) || dir}: ${failed}` };
  renameSync(tmp, binary); // last: its presence says the build is whole
  return { binary, missing: false };
}
