// A Java program built from Maven Central (a reference server that a row runs, or a test's peer): compiled, and its
// runtime jars copied, once per hash of its files and of the JDK (support/build-cache.ts).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDir, runBuild, toolMissing } from './build-cache.ts';

/** The contract's Java interface and service, which the peers that serve an interface (Dubbo, Motan) compile. */
export const JAVA_CONTRACT = fileURLToPath(new URL('../reference/java-contract', import.meta.url));

export type MavenBuild = { classpath: string; missing: false } | { classpath: ''; missing: string };

/** Why Maven or a JDK is not here (with what to install), or false. */
export function mavenMissing(): string | false {
  return toolMissing([
    ['mvn', 'apt-get install maven'],
    ['javac', 'apt-get install default-jdk-headless'],
  ]);
}

/**
 * The classpath of the Maven project in `dir` (named `name` in the cache), built if it is not yet; or why not.
 * `shared` are directories of Java sources several projects compile (the contract's service: transports/reference/
 * java-contract), copied into the project's sources for the build and part of its cache key.
 */
export async function mavenBuild(dir: string, name: string, shared: string[] = []): Promise<MavenBuild> {
  const missing = mavenMissing();
  if (missing) return { classpath: '', missing };
  const out = buildDir(dir, `maven-${name}`, spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr ?? '', shared);
  const classpath = `${join(out, 'classes')}:${join(out, 'lib', '*')}`;
  if (existsSync(join(out, 'classes'))) return { classpath, missing: false };
  const tmp = `${out}.tmp.${process.pid}`;
  cpSync(dir, tmp, { recursive: true });
  for (const sources of shared) cpSync(sources, join(tmp, 'src', 'main', 'java'), { recursive: true });
  try {
    const args = ['-q', '-B', '-Dstyle.color=never', 'compile', 'dependency:copy-dependencies', '-DincludeScope=runtime', '-DoutputDirectory=lib'];
    const failed = await runBuild('mvn', args, tmp, (l) => l.includes('[ERROR]'));
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
