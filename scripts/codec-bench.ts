// The codec choices behind transports/support/msgpack.ts and xmlrpc-xml.ts, timed with tinybench on the 100-entry
// getObj reply: `node --import tsx scripts/codec-bench.ts`. Prints the median time of each, in microseconds.
import { createRequire } from 'node:module';
import { Decoder, Encoder } from '@msgpack/msgpack';
import { Packr, Unpackr } from 'msgpackr';
import { SaxesParser } from 'saxes';
import { Bench } from 'tinybench';
import { makeObj } from '../transports/contract.ts';
import { readResponse, writeResponse } from '../transports/support/xmlrpc-xml.ts';

const require = createRequire(import.meta.url);
const Serializer = require('xmlrpc/lib/serializer.js') as { serializeMethodResponse(v: unknown): string };
const Deserializer = require('xmlrpc/lib/deserializer.js') as new () => {
  callback: (e: Error | null, r: unknown[]) => void;
  parser: { write(s: string): void; end(): void };
};

const reply = [1, null, makeObj('server', 100)];
const bytes = new Encoder().encode(reply);
const json = JSON.stringify(reply);
const xml = writeResponse(makeObj('server', 100));
const packageDecode = () => {
  const d = new Deserializer();
  d.callback = () => {};
  d.parser.write(xml);
  d.parser.end();
};
const saxesOnly = () => {
  const p = new SaxesParser();
  p.on('opentag', () => {});
  p.write(xml).close();
};

const bench = new Bench({ time: 500, warmupTime: 200 });
bench
  .add('msgpack encode: @msgpack/msgpack', () => new Encoder().encode(reply))
  .add('msgpack encode: msgpackr', () => new Packr({ useRecords: false }).pack(reply))
  .add('msgpack decode: @msgpack/msgpack (key cache)', () => new Decoder().decode(bytes))
  .add('msgpack decode: @msgpack/msgpack (keyDecoder null)', () => new Decoder({ keyDecoder: null }).decode(bytes))
  .add('msgpack decode: msgpackr', () => new Unpackr({ useRecords: false, mapsAsObjects: true }).unpack(bytes))
  .add('JSON.parse of the same reply', () => JSON.parse(json))
  .add('XML-RPC write: xmlrpc package', () => Serializer.serializeMethodResponse(makeObj('server', 100)))
  .add('XML-RPC write: ours', () => writeResponse(makeObj('server', 100)))
  .add('XML-RPC read: xmlrpc package (sax)', packageDecode)
  .add('XML-RPC read: saxes, tokenizing only', saxesOnly)
  .add('XML-RPC read: ours (saxes)', () => readResponse(xml));
await bench.run();
for (const task of bench.tasks) {
  const p50 = (task.result as { latency?: { p50: number } } | undefined)?.latency?.p50 ?? Number.NaN;
  console.log(`${task.name.padEnd(52)} ${(p50 * 1000).toFixed(1).padStart(8)} µs`);
}
