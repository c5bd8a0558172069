// Our XML-RPC codec against Python's own marshalling (xmlrpc.client.dumps/loads) and against SimpleXMLRPCServer,
// every type both ways, and hostile documents: no entity expansion, no external entities, a depth limit.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createService, fib, RemoteError } from '../transports/contract.ts';
import { MAX_DEPTH, readCall, readResponse, writeCall, writeFault, writeResponse, XmlRpcError } from '../transports/support/xmlrpc-xml.ts';
import type { ServerHandle } from '../transports/transport.ts';
import { remoteError, xmlrpc } from '../transports/xmlrpc.ts';
import { fixture, startPeer, stopPeer } from './helpers.ts';

const PY = '/usr/bin/python3';
const opts = { timeoutMs: 5000, maxMessageBytes: 1 << 20 };

/** The cases of test/fixtures/xmlrpc_codec.py, as JavaScript values. */
const CASES: Record<string, unknown[]> = {
  ints: [1, -7, 2 ** 31 - 1, -(2 ** 31)],
  booleans: [true, false],
  strings: ['', 'plain', `<&> "quoted" 'single'`, 'unicode: żółw, 鳥, 🐢', ' leading and trailing '],
  doubles: [0.5, -2.25, 1e300, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
  nil: [null],
  datetime: [new Date(Date.UTC(2026, 0, 2, 3, 4, 5))],
  base64: [Buffer.from(Array.from({ length: 256 }, (_, i) => i))],
  struct: [JSON.parse('{"a": 1, "b": [1, "two", null], "__proto__": {"x": 1}, "nested": {"deep": {"er": true}}}')],
  array: [[1, [2, [3, []]], {}]],
};

function python(mode: string, input?: string): Record<string, unknown> {
  const r = spawnSync(PY, [fixture('xmlrpc_codec.py'), mode], { input, encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe('XML-RPC codec and Python xmlrpc.client', () => {
  test('we read every type as Python writes it, calls and responses', () => {
    const docs = python('dump') as Record<string, string>;
    for (const [name, values] of Object.entries(CASES)) {
      assert.deepStrictEqual(readCall(docs[`call:${name}`]!), { method: 'echo', params: values }, name);
      assert.deepStrictEqual(readResponse(docs[`response:${name}`]!), { kind: 'ok', value: values[0] }, name);
    }
    const fault = readResponse(docs.fault!);
    assert.deepStrictEqual(fault, { kind: 'fault', fault: { faultCode: 1, faultString: "<class 'ValueError'>:bad n" } });
    const error = remoteError(1, "<class 'ValueError'>:bad n");
    assert.deepEqual([error.kind, error.message], ['ValueError', 'ValueError: bad n']);
  });

  test('Python reads every type as we write it, the member named __proto__ included', () => {
    const ours: Record<string, string> = { fault: writeFault({ faultCode: 1, faultString: "<class 'ValueError'>:bad n" }) };
    for (const [name, values] of Object.entries(CASES)) {
      ours[`call:${name}`] = writeCall('echo', values);
      ours[`response:${name}`] = writeResponse(values[0]);
    }
    const verdicts = python('check', JSON.stringify(ours));
    assert.deepEqual(
      Object.entries(verdicts).filter(([, v]) => v !== 'ok'),
      [],
    );
    assert.equal(Object.keys(verdicts).length, Object.keys(ours).length);
  });

  test('a struct member named __proto__ is data, never the prototype', () => {
    const { params } = readCall(writeCall('m', [JSON.parse('{"__proto__": {"polluted": true}}')]));
    const value = params[0] as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.deepEqual(Object.keys(value), ['__proto__']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('hostile documents are refused, never expanded', () => {
  const refuses = (xml: string, why: RegExp) =>
    assert.throws(
      () => readCall(xml),
      (e: unknown) => e instanceof XmlRpcError && why.test(e.message),
    );
  test('billion laughs (entity expansion)', () => {
    const lol = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>';
    refuses(`<?xml version="1.0"?>${lol}<methodCall><methodName>&lol1;</methodName></methodCall>`, /DOCTYPE is not allowed/);
  });
  test('an external entity (file disclosure)', () => {
    refuses('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><methodCall><methodName>&e;</methodName></methodCall>', /DOCTYPE is not allowed/);
  });
  test('an undefined entity', () => refuses('<methodCall><methodName>&e;</methodName></methodCall>', /undefined entity/));
  test(`nesting deeper than ${MAX_DEPTH}`, () => {
    const deep = '<value><array><data>'.repeat(MAX_DEPTH + 1) + '</data></array></value>'.repeat(MAX_DEPTH + 1);
    refuses(`<methodCall><methodName>m</methodName><params><param>${deep}</param></params></methodCall>`, /nested deeper than 64/);
  });
  test('an unknown type, a bad integer, a root that is not XML-RPC, broken XML', () => {
    refuses('<methodCall><methodName>m</methodName><params><param><value><float128>1</float128></value></param></params></methodCall>', /unknown XML-RPC type/);
    refuses('<methodCall><methodName>m</methodName><params><param><value><int>1.5</int></value></param></params></methodCall>', /not an integer/);
    refuses('<html/>', /root element is <html>/);
    refuses('<methodCall><methodName>m</methodName>', /not well-formed/);
  });
});

describe('our server and client over HTTP', () => {
  let server: ServerHandle;
  before(async () => {
    server = await xmlrpc.serve('http://127.0.0.1:0', createService({ payloadEntries: 100, serverWorkUs: 0 }), { maxMessageBytes: 64 * 1024 });
  });
  after(() => server.close());

  /** POSTs `body` with its Content-Length, or `chunked`: in pieces, with no length told (Transfer-Encoding: chunked). */
  const postRaw = (body: string, chunked = false) =>
    new Promise<{ status: number; text: string; encoding: string | undefined }>((resolve, reject) => {
      const headers = { 'content-type': 'text/xml', ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': Buffer.byteLength(body) }) };
      const req = http.request(server.address, { method: 'POST', headers }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, text, encoding: req.getHeader('transfer-encoding') as string | undefined }));
      });
      req.on('error', reject);
      if (!chunked) return void req.end(body);
      for (let at = 0; at < body.length; at += 8192) req.write(body.slice(at, at + 8192));
      req.end();
    });

  test('a hostile document gets a parse fault (-32700) and the server keeps serving', async () => {
    const lol = '<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><methodCall><methodName>&b;</methodName></methodCall>';
    const r = await postRaw(lol);
    assert.equal(r.status, 200);
    assert.deepEqual(readResponse(r.text), {
      kind: 'fault',
      fault: { faultCode: -32700, faultString: 'parse error: a DOCTYPE is not allowed in XML-RPC (no DTDs, no entity definitions)' },
    });
    const client = await xmlrpc.connect(server.address, opts);
    assert.equal(await client.call('fib', [20]), fib(20));
    await client.close();
  });

  test('a body over the size limit is refused with 413, chunked or not', async () => {
    const big = `<methodCall><methodName>sendObj</methodName><params><param><value><string>${'x'.repeat(70_000)}</string></value></param></params></methodCall>`;
    assert.equal((await postRaw(big)).status, 413);
    const chunked = await postRaw(big, true);
    assert.equal(chunked.encoding, 'chunked', 'sent with no length told');
    assert.equal(chunked.status, 413);
    const client = await xmlrpc.connect(server.address, opts);
    assert.equal(await client.call('fib', [20]), fib(20));
    await client.close();
  });

  test('our client refuses a reply over its own size limit', async () => {
    const client = await xmlrpc.connect(server.address, { timeoutMs: 5000, maxMessageBytes: 1024 });
    await assert.rejects(client.call('getObj', []), /exceeds the limit of 1024 bytes/);
    await client.close();
  });
});

describe('our client against Python SimpleXMLRPCServer: every type through its echo', () => {
  let proc: Awaited<ReturnType<typeof startPeer>>['proc'];
  let address: string;
  before(async () => {
    const peer = await startPeer(PY, [fixture('xmlrpc_server.py')], /listening (\S+)/);
    proc = peer.proc;
    address = peer.match[1]!;
  });
  after(() => stopPeer(proc));

  test('each case comes back exactly', async () => {
    const client = await xmlrpc.connect(address, opts);
    try {
      for (const [name, values] of Object.entries(CASES))
        assert.deepStrictEqual(await client.call('echo', values), values.length === 1 ? values[0] : values, name);
      await assert.rejects(client.call('fib', [99]), (e: unknown) => e instanceof RemoteError && e.kind === 'ValueError');
    } finally {
      await client.close();
    }
  });
});
