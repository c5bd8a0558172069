// The package as another project gets it (issue 35): `npm pack` (which builds dist/), the tarball installed into an
// empty project, a TypeScript plugin there that imports the package's types and defineTransport by the package's
// name, benchmarked through the installed `rpcbench` bin and through the API from a script.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import type { Report } from '../bench/report/types.ts';
import { ROOT, tempDir } from './helpers.ts';

/** A JSON-lines RPC over TCP, written as a user would against the installed package's types. */
const PLUGIN = `import net from 'node:net';
import { type ClientHandle, type ClientOptions, defineTransport, RemoteError, type ServerHandle, type Service } from 'rpcbench';

function lines(socket: net.Socket, onLine: (m: any) => void): void {
  let buffered = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    for (let at = buffered.indexOf('\\n'); at >= 0; at = buffered.indexOf('\\n')) {
      onLine(JSON.parse(buffered.slice(0, at)));
      buffered = buffered.slice(at + 1);
    }
  });
}

async function serve(listen: string, service: Service): Promise<ServerHandle> {
  const url = new URL(listen);
  const server = net.createServer((socket) =>
    lines(socket, async ({ id, method, args }) => {
      try {
        socket.write(JSON.stringify({ id, result: (await service.handle(method, args)) ?? null }) + '\\n');
      } catch (error) {
        socket.write(JSON.stringify({ id, error: { kind: (error as { kind?: string }).kind ?? 'Error', message: (error as Error).message } }) + '\\n');
      }
    }),
  );
  await new Promise<void>((resolve) => server.listen(Number(url.port), url.hostname, resolve));
  const { port } = server.address() as net.AddressInfo;
  return { address: \`tcp://\${url.hostname}:\${port}\`, close: () => new Promise<void>((resolve) => server.close(() => resolve()).unref()) };
}

async function connect(address: string, options: ClientOptions): Promise<ClientHandle> {
  const url = new URL(address);
  const socket = net.connect(Number(url.port), url.hostname);
  await new Promise((resolve) => socket.once('connect', resolve));
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let next = 0;
  lines(socket, ({ id, result, error }) => {
    const p = pending.get(id);
    pending.delete(id);
    if (error) p?.reject(new RemoteError(error.kind, error.message));
    else p?.resolve(result);
  });
  return {
    call: (method, args) =>
      new Promise((resolve, reject) => {
        const id = next++;
        setTimeout(() => pending.delete(id) && reject(new Error('timed out')), options.timeoutMs).unref();
        pending.set(id, { resolve, reject });
        socket.write(JSON.stringify({ id, method, args }) + '\\n');
      }),
    close: async () => void socket.destroy(),
  };
}

export default defineTransport({ name: 'mine', summary: 'JSON lines over TCP, a plugin of an installing project', schemes: ['tcp:'], defaultListen: 'tcp://127.0.0.1:0', serve, connect });
`;

/** A script of the project: the API's bench() on its plugin, and compare() of the report against itself. */
const SCRIPT = `import { bench, compare } from 'rpcbench';
const report = await bench({ plugins: ['./my.ts'], transports: ['mine', 'tcp'], calls: ['getObj'], scenarios: ['latency'], trials: 2, duration: '0.3s', warmup: 0.1, args: ['--no-wire'] });
const gate = compare([report], [report]);
console.log(JSON.stringify({ transports: report.results.map((c) => c.transport), p50: report.results.map((c) => c.latencyUs.p50), calls: report.results.map((c) => c.calls), regressions: gate.transports.filter((t) => t.status === 'regressed').length, skipped: report.skipped.length }));
`;

const BENCH = ['--plugin', './my.ts', '--transports', 'mine', '--calls', 'getObj', '--scenarios', 'latency', '--quick', '--trials', '1', '--no-wire'];

describe('the package, packed and installed into another project', { timeout: 600_000 }, () => {
  const work = tempDir('rpcbench-pack-');
  const project = path.join(work, 'project');
  let files: string[] = [];

  before(() => {
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', work], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 300_000,
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
    ) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = packed[0]!.files.map((f) => f.path);
    execFileSync('mkdir', ['-p', project]);
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'my-rpc', version: '1.0.0', type: 'module', private: true }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(work, packed[0]!.filename)], {
      cwd: project,
      timeout: 300_000,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    writeFileSync(path.join(project, 'my.ts'), PLUGIN);
    writeFileSync(path.join(project, 'script.mjs'), SCRIPT);
  });

  test('it holds the JavaScript build, its declarations and the bin, and none of the TypeScript sources or tests', () => {
    assert.ok(files.includes('dist/bench/api/index.js') && files.includes('dist/bench/api/index.d.ts'), files.join(' '));
    assert.ok(files.includes('bin/rpcbench.mjs'));
    // the spring-cloud row builds its server from these on its first run
    assert.ok(files.includes('dist/transports/reference/spring-cloud/pom.xml'), files.join(' '));
    assert.deepEqual(
      files.filter((f) => (f.endsWith('.ts') && !f.endsWith('.d.ts')) || f.startsWith('test/')),
      [],
    );
  });

  test('the installed bin benchmarks the project’s TypeScript plugin, run from its JavaScript build', () => {
    const out = path.join(work, 'out');
    const r = spawnSync('npx', ['rpcbench', 'bench', ...BENCH, '--out', out], { cwd: project, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const report = JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')) as Report;
    assert.deepEqual(
      report.results.map((c) => c.transport),
      ['mine'],
    );
    assert.ok(report.results[0]!.calls > 0 && report.results[0]!.errors === 0);
    const version = spawnSync('npx', ['rpcbench', '--version'], { cwd: project, encoding: 'utf8', timeout: 60_000 });
    assert.match(version.stdout, /^rpcbench 0\.1\.0/);
  });

  test('the API: bench() returns the report of the plugin and a built-in row; compare() gates it (against itself: no regression)', () => {
    const r = spawnSync(process.execPath, ['script.mjs'], { cwd: project, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const seen = JSON.parse(r.stdout) as { transports: string[]; p50: number[]; calls: number[]; regressions: number; skipped: number };
    assert.deepEqual([...seen.transports].sort(), ['mine', 'tcp']);
    assert.ok(seen.p50.every((v) => v > 0) && seen.calls.every((n) => n > 0), r.stdout);
    assert.deepEqual([seen.regressions, seen.skipped], [0, 0]);
  });
});
