// `npm run serve -- --transport NAME [--listen ADDRESS]`: one of our servers, standalone, until Ctrl-C or SIGTERM.
// For foreign clients (Python's ServerProxy, zerorpc.Client, pika) and for client and server on two hosts.
// It stops when told to (SIGINT, SIGTERM), when it can no longer serve (its broker went away: exit 1, saying why),
// and when the process that started it goes away (a process manager that stops `npm run serve` stops the server).
import { createService, DEFAULT_PAYLOAD_ENTRIES } from '../../transports/contract.ts';
import { resolve, TRANSPORTS, TransportNameError } from '../../transports/registry.ts';
import { maskAddress } from '../../transports/support/address.ts';
import { DEFAULT_MAX_MESSAGE_BYTES, type Transport } from '../../transports/transport.ts';
import { onShutdown, runShutdownHooks } from '../harness/shutdown.ts';
import { given, int, parseFlags, UsageError } from './args.ts';

const servable = () => TRANSPORTS.filter((t) => !t.traits.inProcess).map((t) => t.name);

const USAGE = `Usage: npm run serve -- --transport NAME [--listen ADDRESS] [--payload-entries N] [--server-work-us N]
Transports: ${servable().join(', ')} (a group name, e.g. amqp, serves its first member)
Prints "listening ADDRESS" once ready; Ctrl-C or SIGTERM stops it.`;

/** As bench caps it: a bigger object is a mistake (1,000,000 entries is already ~20 MB a reply). */
const MAX_PAYLOAD_ENTRIES = 1_000_000;

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

/** Exits when our parent process is gone (we were re-parented): nobody is left to stop us otherwise. */
function exitWithParent(): void {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void runShutdownHooks().then(() => process.exit(0));
  }, 500).unref();
}

async function main(): Promise<void> {
  const { values } = parseFlags(process.argv.slice(2), spec);
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  const transport = chooseTransport(given('--transport', values.transport));
  const number = (flag: 'payload-entries' | 'server-work-us', max: number, fallback: number) => {
    const v = given(`--${flag}`, values[flag]);
    return v === undefined ? fallback : int(`--${flag}`, v, 0, max);
  };
  const service = createService({
    payloadEntries: number('payload-entries', MAX_PAYLOAD_ENTRIES, DEFAULT_PAYLOAD_ENTRIES),
    serverWorkUs: number('server-work-us', 10_000_000, 0),
  });
  const listen = given('--listen', values.listen) ?? transport.defaultListen;
  const server = await transport.serve(listen, service, { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES }).catch((error: Error) => {
    throw new UsageError(`cannot serve ${transport.name} on ${maskAddress(listen)}: ${maskAddress(error.message)}`);
  });
  onShutdown(() => server.close());
  exitWithParent();
  void server.failed?.then(async (reason) => {
    process.stderr.write(`rpcbench serve: error: the server stopped: ${maskAddress(reason.message)}\n`);
    await runShutdownHooks();
    process.exit(1);
  });
  process.stdout.write(`listening ${maskAddress(server.address)}\n`);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`rpcbench serve: error: ${maskAddress(message)}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
