// `npm run serve -- --transport NAME [--listen ADDRESS]`: one of our servers, standalone, until Ctrl-C.
// For foreign clients (Python's ServerProxy, zerorpc.Client, pika) and for client and server on two hosts.
import { parseArgs } from 'node:util';
import { createService, DEFAULT_PAYLOAD_ENTRIES } from '../transports/contract.ts';
import { findTransport, transportNames } from '../transports/registry.ts';
import { maskAddress } from '../transports/support/address.ts';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../transports/transport.ts';
import { onShutdown } from './shutdown.ts';

const USAGE = `Usage: npm run serve -- --transport NAME [--listen ADDRESS] [--payload-entries N] [--server-work-us N]
Transports: ${transportNames().filter((n) => findTransport(n)!.wire).join(', ')} (amqp = amqp:direct-reply)
Prints "listening ADDRESS" once ready; Ctrl-C stops it.`;

function fail(message: string): never {
  process.stderr.write(`rpcbench serve: error: ${message}\n`);
  process.exit(2);
}

function wholeNumber(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) fail(`${flag}: ${JSON.stringify(value)} is not a whole number`);
  return Number(value);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: { transport: { type: 'string' }, listen: { type: 'string' }, 'payload-entries': { type: 'string' }, 'server-work-us': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`);
  }
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  if (!values.transport) fail(`--transport is required\n${USAGE}`);
  const transport = findTransport(values.transport);
  if (!transport || !transport.wire) fail(`unknown transport ${JSON.stringify(values.transport)}; allowed: ${transportNames().filter((n) => findTransport(n)!.wire).join(', ')}`);
  const service = createService({
    payloadEntries: wholeNumber('--payload-entries', values['payload-entries'], DEFAULT_PAYLOAD_ENTRIES),
    serverWorkUs: wholeNumber('--server-work-us', values['server-work-us'], 0),
  });
  const server = await transport.serve(values.listen ?? transport.defaultListen, service, { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES }).catch((error: Error) =>
    fail(`cannot serve ${transport.name} on ${maskAddress(values.listen ?? transport.defaultListen)}: ${error.message}`),
  );
  onShutdown(() => server.close());
  process.stdout.write(`listening ${maskAddress(server.address)}\n`);
}

void main();
