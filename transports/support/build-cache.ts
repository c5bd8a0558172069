// A reference peer built from its own ecosystem's sources on this machine the first time it is needed (a Maven
// project, a Go module), once per hash of its files and of the toolchain, under RPCBENCH_CACHE (default
// ~/.cache/rpcbench). Nothing prebuilt is committed. A build has a deadline of 15 minutes (a first one downloads its
// dependencies) and runs in a child process, so that Ctrl-C is still heard.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';

const BUILD_MS = 15 * 60_000;

/** Why a tool is not on the PATH (with what to install), or false. */
export function toolMissing(tools: readonly (readonly [name: string, install: string])[]): string | false {
  for (const [name, install] of tools) if (spawnSync('sh', ['-c', `command -v ${name}`]).status !== 0) return `no ${name} on the PATH (${install})`;
  return false;
}

/** Where the build of the project in `dir` (called `name`) lives: a new hash of its files or toolchain, a new place. */
export function buildDir(dir: string, name: string, toolchain: string, shared: string[] = []): string {
  return join(process.env.RPCBENCH_CACHE || join(homedir(), '.cache', 'rpcbench'), `${name}-${sourceHash([dir, ...shared], toolchain)}`);
}

/** The hash of the projects' files (not their build output), sources they share included, and of the toolchain. */
function sourceHash(dirs: string[], toolchain: string): string {
  const hash = createHash('sha256');
  for (const dir of dirs) {
    const files = readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath, e.name)))
      .filter((f) => !f.startsWith('target/') && !f.startsWith('lib/'))
      .sort();
    for (const file of files) hash.update(file).update(readFileSync(join(dir, file)));
  }
  return hash.update(toolchain).digest('hex').slice(0, 16);
}

/** Runs a build step; null when it succeeded, else the lines that say why (`errorLine` picks them) or how it ended. */
export function runBuild(cmd: string, args: string[], cwd: string, errorLine: (line: string) => boolean): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    for (const s of [child.stdout, child.stderr]) s.on('data', (d: Buffer) => void (output = (output + d.toString()).slice(-200_000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), BUILD_MS);
    child.on('error', (error) => resolve(error.message));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(null);
      const errors = output.split('\n').filter(errorLine).slice(0, 6).join(' / ');
      resolve(errors || (signal ? `stopped by ${signal} (the deadline is ${BUILD_MS / 60_000} minutes)` : `exit code ${code}`));
    });
  });
}
