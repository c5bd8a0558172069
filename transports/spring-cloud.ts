// spring-cloud: REST with JSON as Spring serves it, in the http row's shape (POST /rpc/METHOD with the JSON array of
// arguments; {"result": ...}, or {"error": {"kind", "message"}} with 400, or 404 for an unknown method). The row's
// server is the reference implementation itself: a Spring Boot 4 app (Spring MVC on Tomcat, Java), built from Maven
// Central on this machine the first time the row runs (transports/reference/spring-cloud) and started by our server
// child, which adds the JVM's CPU to its own and stops it with itself. The client is ours, the http row's; Spring
// Cloud OpenFeign, the reference client, calls our http server in test/interop-spring-cloud.test.ts.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Service } from './contract.ts';
import { httpJson } from './http.ts';
import { hostPort, parseAddress } from './support/address.ts';
import { type MavenBuild, mavenBuild } from './support/maven.ts';
import { processCpuUs } from './support/process-cpu.ts';
import type { ServerHandle, ServerOptions, TransportImpl } from './transport.ts';

const PROJECT = fileURLToPath(new URL('./reference/spring-cloud', import.meta.url));
/** A JVM and Spring Boot take about 5 s to listen here; a first start on a busy machine, longer. */
const READY_MS = 90_000;
const STOP_MS = 5000;
/** The JVM's heap, fixed: as a deployment would size it, and so that it does not grow while it is measured. */
const HEAP = '256m';

let built: Promise<MavenBuild> | undefined;
const build = () => (built ??= mavenBuild(PROJECT, 'spring-cloud'));

export const springCloud = {
  codec: httpJson.codec,
  // the first run builds the server (a minute or two: Maven downloads Spring's jars); later runs find it built
  prepare: async () => {
    const b = await build();
    return b.missing ? `the Spring Boot server cannot be built: ${b.missing}` : null;
  },
  serve,
  connect: httpJson.connect,
} satisfies TransportImpl;

async function serve(listen: string, service: Service, options: ServerOptions): Promise<ServerHandle> {
  const { host, port } = hostPort(parseAddress(listen, ['http:']), 0);
  if (host !== '127.0.0.1' && host !== 'localhost') throw new Error(`the Spring Boot server listens on 127.0.0.1 only, not ${host}`);
  const b = await build();
  if (b.missing) throw new Error(`the Spring Boot server cannot be built: ${b.missing}`);
  const { payloadEntries, serverWorkUs } = service.options;
  const args = ['server', String(port), String(payloadEntries), String(serverWorkUs), String(options.maxMessageBytes)];
  // stdin stays open: the JVM exits when it ends, that is when this process is gone, even killed with -9
  const java = spawn('java', [`-Xms${HEAP}`, `-Xmx${HEAP}`, '-cp', b.classpath, 'rpcbench.SpringCloudPeer', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const output: string[] = [];
  for (const s of [java.stdout!, java.stderr!]) s.setEncoding('utf8').on('data', (d: string) => output.push(...d.split('\n').filter(Boolean).slice(-20)));
  const exited = new Promise<string>((resolve) => java.on('exit', (code, signal) => resolve(`the Spring Boot server exited (${signal ?? `code ${code}`})`)));
  const address = await ready(java, exited, output);
  let closing = false;
  return {
    address,
    failed: exited.then((why) => new Error(`${why}${tail(output)}`)).then((e) => (closing ? new Promise<Error>(() => {}) : e)),
    childCpuUs: () => (java.pid === undefined ? null : processCpuUs(java.pid)),
    async close() {
      closing = true;
      await stop(java, exited);
    },
  };
}

/** The address the server printed once it listens, or why it did not within READY_MS (it is stopped then). */
async function ready(java: ChildProcess, exited: Promise<string>, output: string[]): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const listening = new Promise<string>((resolve) =>
    java.stdout!.on('data', (d: string) => {
      const m = /listening (http:\/\/\S+)/.exec(d);
      if (m) resolve(m[1]!);
    }),
  );
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the Spring Boot server did not listen within ${READY_MS / 1000} s${tail(output)}`)), READY_MS);
  });
  try {
    return await Promise.race([listening, late, exited.then((why) => Promise.reject(new Error(`${why}${tail(output)}`)))]);
  } catch (error) {
    await stop(java, exited);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** SIGTERM (Spring closes its context), then SIGKILL after STOP_MS. */
async function stop(java: ChildProcess, exited: Promise<string>): Promise<void> {
  if (java.exitCode !== null || java.signalCode !== null) return;
  java.kill('SIGTERM');
  const timer = setTimeout(() => java.kill('SIGKILL'), STOP_MS);
  await exited;
  clearTimeout(timer);
}

const tail = (lines: string[]) => (lines.length ? `; its last output: ${lines.slice(-5).join(' | ')}` : '');
