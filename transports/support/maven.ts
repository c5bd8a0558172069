// A Java program built from Maven Central on this machine the first time it is needed (a reference server that a row
// runs, or a test's peer): compiled, and its runtime jars copied, once per hash of its files and of the JDK, under
// RPCBENCH_CACHE (default ~/.cache/rpcbench). Nothing prebuilt is committed. A build has a deadline of 15 minutes
// (a first one downloads the jars) and runs in a child process, so that Ctrl-C is still heard.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';

const BUILD_MS = 15 * 60_000;

export type MavenBuild = { classpath: string; missing: false } | { classpath: ''; missing: string };

/** Why Maven or a JDK is not here (with what to install), or false. */
export function mavenMissing(): string | false {
  for (const [name, install] of [
    ['mvn', 'apt-get install maven'],
    ['javac', 'apt-get install default-jdk-headless'],
  ] as const)
    if (spawnSync('sh', ['-c', `command -v ${name}`]).status !== 0) return `no ${name} on the PATH (${install})`;
  return false;
}

/** The classpath of the Maven project in `dir` (named `name` in the cache), built if it is not yet; or why not. */
export async function mavenBuild(dir: string, name: string): Promise<MavenBuild> {
  const missing = mavenMissing();
  if (missing) return { classpath: '', missing };
  const out = join(process.env.RPCBENCH_CACHE || join(homedir(), '.cache', 'rpcbench'), `maven-${name}-${sourceHash(dir)}`);
  const classpath = `${join(out, 'classes')}:${join(out, 'lib', '*')}`;
  if (existsSync(join(out, 'classes'))) return { classpath, missing: false };
  const tmp = `${out}.tmp.${process.pid}`;
  cpSync(dir, tmp, { recursive: true });
  try {
    const args = ['-q', '-B', '-Dstyle.color=never', 'compile', 'dependency:copy-dependencies', '-DincludeScope=runtime', '-DoutputDirectory=lib'];
    const failed = await run('mvn', args, tmp);
    if (failed) return { classpath: '', missing: `mvn could not build ${relative(process.cwd(), dir) || dir}: ${failed}` };
    mkdirSync(out, { recursive: true });
    renameSync(join(tmp, 'target', 'classes'), join(out, 'classes.new'));
    renameSync(join(tmp, 'lib'), join(out, 'lib'));
    renameSync(join(out, 'classes.new'), join(out, 'classes')); // last: its presence says the build is whole
    return { classpath, missing: false };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The hash of the project's files (not its build output) and of the JDK that builds it. */
function sourceHash(dir: string): string {
  const hash = createHash('sha256');
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .filter((f) => !f.startsWith('target/') && !f.startsWith('lib/'))
    .sort();
  for (const file of files) hash.update(file).update(readFileSync(join(dir, file)));
  hash.update(spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr ?? '');
  return hash.digest('hex').slice(0, 16);
}

/** Runs the build; null when it succeeded, else its first [ERROR] lines (or why it did not finish). */
function run(cmd: string, args: string[], cwd: string): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    for (const s of [child.stdout, child.stderr]) s.on('data', (d: Buffer) => void (output = (output + d.toString()).slice(-200_000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), BUILD_MS);
    child.on('error', (error) => resolve(error.message));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(null);
      const errors = output
        .split('\n')
        .filter((l) => l.includes('[ERROR]'))
        .map((l) => l.slice(l.indexOf('[ERROR]')))
        .slice(0, 6)
        .join(' / ');
      resolve(errors || (signal ? `stopped by ${signal} (the deadline is ${BUILD_MS / 60_000} minutes)` : `exit code ${code}`));
    });
  });
}
