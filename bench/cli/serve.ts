// `npm run serve -- --transport NAME [--listen ADDRESS]`: one of our servers, standalone, until Ctrl-C.
// For foreign clients (Python's ServerProxy, zerorpc.Client, pika) and for client and server on two hosts.
import { createService, DEFAULT_PAYLOAD_ENTRIES } from '../../transports/contract.ts';
import { resolve, TRANSPORTS, TransportNameError } from '../../transports/registry.ts';
import { maskAddress } from '../../transports/support/address.ts';
import { DEFAULT_MAX_MESSAGE_BYTES, type Transport } from '../../transports/transport.ts';
import { onShutdown } from '../harness/shutdown.ts';
import { given, int, parseFlags, UsageError } from './args.ts';

const servable = () => TRANSPORTS.filter((t) => !t.traits.inProcess).map((t) => t.name);

const USAGE = `Usage: npm run serve -- --transport NAME [--listen ADDRESS] [--payload-entries N] [--server-work-us N]
Transports: ${servable().join(', ')} (a group name, e.g. amqp, serves its first member)
Prints "listening ADDRESS" once ready; Ctrl-C stops it.`;

const spec = {
  transport: { type: 'string' },
  listen: { type: 'string' },
  'payload-entries': { type: 'string' },
  'server-work-us': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function chooseTransport(name: string | undefined): Transport {
  if (!name) throw new UsageError(`--transport is required\n${USAGE}`);
  let transport: Transport | undefined;
  try {
    transport = resolve(name, 'one')[0];
  } catch (error) {
    if (!(error instanceof TransportNameError)) throw error;
  }
  if (!transport || transport.traits.inProcess) throw new UsageError(`unknown transport ${JSON.stringify(name)}; allowed: ${servable().join(', ')}`);
  return transport;
}

async function main(): Promise<void> {
  const { values } = parseFlags(process.argv.slice(2), spec);
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  const transport = chooseTransport(given('--transport', values.transport));
  const number = (flag: 'payload-entries' | 'server-work-us', fallback: number) => {
    const v = given(`--${flag}`, values[flag]);
    return v === undefined ? fallback : int(`--${flag}`, v, 0, Number.MAX_SAFE_INTEGER);
  };
  const service = createService({ payloadEntries: number('payload-entries', DEFAULT_PAYLOAD_ENTRIES), serverWorkUs: number('server-work-us', 0) });
  const listen = given('--listen', values.listen) ?? transport.defaultListen;
  const server = await transport.serve(listen, service, { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES }).catch((error: Error) => {
    throw new UsageError(`cannot serve ${transport.name} on ${maskAddress(listen)}: ${error.message}`);
  });
  onShutdown(() => server.close());
  process.stdout.write(`listening ${maskAddress(server.address)}\n`);
}

main().catch((error: unknown) => {
  const message = error instanceof UsageError ? error.message : error instanceof Error ? error.message : String(error);
  process.stderr.write(`rpcbench serve: error: ${message}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
