// Hessian against Caucho's own Java implementation (Debian's libhessian-java 4.0.38, default-jdk-headless), compiled
// here from test/fixtures/hessian with javac: our client against HessianSkeleton, HessianProxyFactory (in both of
// its call framings) against our server, and what a hostile body does to our server (nothing lasting).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createService, makeObj, RemoteError } from '../transports/contract.ts';
import { encodeCall } from '../transports/hessian.ts';
import { loadTransport } from '../transports/registry.ts';
import type { ClientHandle } from '../transports/transport.ts';
import { assertContract, fixture, runAsync, runCli, startPeer, stopPeer, tempDir } from './helpers.ts';
import { command, file, need } from './require.ts';

const HESSIAN_JAR = '/usr/share/java/hessian.jar';
/** Hessian 4.0.38 reads and writes exceptions by reflection, which Java 17 allows only with these. */
const JAVA = ['--add-opens', 'java.base/java.lang=ALL-UNNAMED', '--add-opens', 'java.base/java.util=ALL-UNNAMED'];
const opts = { timeoutMs: 5000, maxMessageBytes: 1 << 20 };
const hessian = await loadTransport('hessian');

/** The Java peers compiled into a directory of this test's own; their classpath. */
function compile(): string {
  const out = tempDir('rpcbench-hessian-');
  const sources = readdirSync(fixture('hessian'))
    .filter((f) => f.endsWith('.java'))
    .map((f) => path.join(fixture('hessian'), f));
  const r = spawnSync('javac', ['-d', out, '-cp', HESSIAN_JAR, ...sources], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return `${HESSIAN_JAR}:${out}`;
}

const skip = need('Java and Caucho Hessian', command('javac', 'apt-get install default-jdk-headless') || file(HESSIAN_JAR, 'apt-get install libhessian-java'));
const classpath = skip ? '' : compile();
const javaServer = () => startPeer('java', [...JAVA, '-Dsun.net.httpserver.nodelay=true', '-cp', classpath, 'HessianServer'], /listening (\S+)/);
const javaClient = (url: string, ...args: string[]) => runAsync('java', [...JAVA, '-cp', classpath, 'HessianClient', url, ...args], 60_000);

describe('our hessian client against Java HessianSkeleton', { timeout: 120_000, skip }, () => {
  test('every value and error: IllegalArgumentException is ValueError, an unknown method NameError', async () => {
    const { proc, match } = await javaServer();
    const client = await hessian.connect(match[1]!, opts);
    try {
      // Java's int fib(int) takes 2.5 as 2 (Hessian converts a double to the int the method declares): checked apart
      await assertContract(client, { nonIntegers: false });
      await assert.rejects(
        client.call('sendObj', [makeObj('client', 99)]),
        (e: unknown) => e instanceof RemoteError && e.kind === 'ValueError' && /100 entries/.test(e.message),
      );
      await assert.rejects(
        client.call('fib', [99]),
        (e: unknown) => e instanceof RemoteError && e.message === 'ValueError: fib(n) needs an integer 0 <= n <= 35, got 99',
      );
    } finally {
      await client.close();
      await stopPeer(proc);
    }
  });

  test('bench --target hessian=URL runs the matrix against it', async () => {
    const { proc, match } = await javaServer();
    try {
      const out = tempDir();
      const r = runCli('bench.ts', [
        '--target',
        `hessian=${match[1]}`,
        '--calls',
        'getObj,fib',
        '--scenarios',
        'latency',
        '--duration',
        '0.2',
        '--trials',
        '1',
        '--warmup',
        '0.2',
        '--out',
        out,
      ]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /hessian \(target\)/);
    } finally {
      await stopPeer(proc);
    }
  });
});

describe('Java HessianProxyFactory against our hessian server', { timeout: 120_000, skip }, () => {
  let server: Awaited<ReturnType<typeof startPeer>>;
  before(async () => {
    server = await startPeer(
      process.execPath,
      ['--import', 'tsx', 'bench/cli/serve.ts', '--transport', 'hessian', '--listen', 'http://127.0.0.1:0/rpcbench'],
      /listening (\S+)/,
    );
  });
  after(() => stopPeer(server?.proc));

  for (const framing of ['hessian2-call', 'hessian1-call']) {
    test(`every value and error, Java's exceptions from our faults (${framing === 'hessian1-call' ? "the factory's default call framing" : 'Hessian 2 calls'})`, async () => {
      assert.match(server.match[1]!, /^http:\/\/127\.0\.0\.1:\d+\/rpcbench$/);
      const r = await javaClient(server.match[1]!, '0', framing);
      assert.equal(r.status, 0, r.stderr + r.stdout);
      assert.match(r.stdout, /^ok$/m);
    });
  }
});

describe('hostile bodies: each is refused, and the server answers the next call correctly', { timeout: 60_000 }, () => {
  const service = createService({ payloadEntries: 100, serverWorkUs: 0 });
  let address: string;
  let close: () => Promise<void>;
  let client: ClientHandle;
  before(async () => {
    const served = await hessian.serve!('http://127.0.0.1:0/rpcbench', service, { maxMessageBytes: 64 * 1024 });
    [address, close] = [served.address, served.close];
    client = await hessian.connect(address, opts);
  });
  after(async () => {
    await client?.close();
    await close?.();
  });
  const post = async (body: Buffer) => {
    const r = await fetch(address, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': 'x-application/hessian' } });
    return { status: r.status, body: Buffer.from(await r.arrayBuffer()) };
  };
  const whole = encodeCall('sendObj', [makeObj('client', 100)]);
  const cases: Array<[string, Buffer, number]> = [
    ['a truncated call', whole.subarray(0, whole.length - 40), 400],
    ['half an envelope', Buffer.from([0x48, 0x02]), 400],
    ['no Hessian at all', Buffer.from('GET / HTTP/1.0\r\n\r\n'), 400],
    [
      'a call claiming two billion arguments',
      Buffer.concat([Buffer.from([0x48, 0x02, 0x00, 0x43, 0x03]), Buffer.from('fib'), Buffer.from([0x49, 0x7f, 0xff, 0xff, 0xff])]),
      400,
    ],
    ['a body over the limit', Buffer.concat([whole, Buffer.alloc(128 * 1024, 0x4e)]), 413],
  ];
  for (const [what, body, status] of cases) {
    test(what, async () => {
      const r = await post(body);
      assert.equal(r.status, status);
      assert.deepEqual(r.body.subarray(0, 4), Buffer.from([0x48, 0x02, 0x00, 0x46]), 'a Hessian fault, which a Java client can read');
      assert.deepEqual(await client.call('getObj', []), makeObj('server', 100));
    });
  }
});

test('the Java peers are compiled here, never committed', async () => {
  const committed = readdirSync(fixture('hessian'));
  assert.deepEqual(
    committed.filter((f) => !f.endsWith('.java')),
    [],
  );
  assert.match(await readFile(fixture('hessian/HessianServer.java'), 'utf8'), /sun\.net\.httpserver\.nodelay/);
});
