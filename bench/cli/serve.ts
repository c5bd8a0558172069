// `npm run serve -- --transport NAME [--listen ADDRESS]`: one of our servers, standalone, until Ctrl-C or SIGTERM.
// For foreign clients (Python's ServerProxy, zerorpc.Client, pika) and for client and server on two hosts.
// It stops when told to (SIGINT, SIGTERM), when it can no longer serve (its broker went away: exit 1, saying why),
// and when the process that started it goes away (a process manager that stops `npm run serve` stops the server).

import { createService, DEFAULT_PAYLOAD_ENTRIES } from '../../transports/contract.ts';
import { groups, loadTransport, resolve, type TransportEntry, TransportNameError, transports } from '../../transports/registry.ts';
import { maskAddress } from '../../transports/support/address.ts';
import { didYouMean } from '../../transports/support/names.ts';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../transports/transport.ts';
import { configPlugins } from '../gate/config.ts';
import { registerPlugins } from '../harness/plugins.ts';
import { onShutdown, runShutdownHooks } from '../harness/shutdown.ts';
import { given, int, parseFlags, UsageError } from './args.ts';
import { isEntry, runCommand } from './command.ts';

const servable = () =>
  transports()
    .filter((t) => !t.traits.inProcess)
    .map((t) => t.name);

const usage = () => `Usage: rpcbench serve --transport NAME [--listen ADDRESS] [--payload-entries N] [--server-work-us N] [--plugin PATH]
       (in a clone: npm run serve -- ...)
Transports: ${servable().join(', ')}
A group name serves its first member: ${groupMeanings()}
--plugin PATH (repeatable, also "plugins" in rpcbench.config.json) adds the transports of a module of yours.
Prints "listening ADDRESS" once ready; Ctrl-C or SIGTERM stops it.`;

/** "amqp = amqp:direct-reply (which also serves amqp:exclusive-queue clients: ...)", for each group. */
function groupMeanings(): string {
  return [...groups()]
    .map(([group, members]) => {
      const [first] = resolve(group, 'one');
      const alike = first?.traits.clientSide ? members.filter((m) => m !== first && m.traits.clientSide).map((m) => m.name) : [];
      const also = alike.length ? ` (which also serves ${alike.join(', ')} clients: the reply path is the client's choice)` : '';
      return `${group} = ${first?.name}${also}`;
    })
    .join('; ');
}

/** As bench caps it: a bigger object is a mistake (1,000,000 entries is already ~20 MB a reply). */
const MAX_PAYLOAD_ENTRIES = 1_000_000;

const spec = {
  transport: { type: 'string' },
  listen: { type: 'string' },
  'payload-entries': { type: 'string' },
  'server-work-us': { type: 'string' },
  plugin: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

function chooseTransport(name: string | undefined): TransportEntry {
  if (!name) throw new UsageError('--transport is required, e.g. --transport tcp (see --help)');
  let transport: TransportEntry | undefined;
  try {
    transport = resolve(name, 'one')[0];
  } catch (error) {
    if (!(error instanceof TransportNameError)) throw error;
  }
  if (!transport || transport.traits.inProcess)
    throw new UsageError(`unknown transport ${JSON.stringify(name)}${didYouMean(name, servable())}; allowed: ${servable().join(', ')}`);
  return transport;
}

/** Exits when our parent process is gone (we were re-parented): nobody is left to stop us otherwise. */
function exitWithParent(): void {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void runShutdownHooks().then(() => process.exit(0));
  }, 500).unref();
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, spec);
  await registerPlugins([...configPlugins(null), ...(values.plugin ?? []).map((p) => given('--plugin', p)!)]);
  if (values.help) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const entry = chooseTransport(given('--transport', values.transport));
  const number = (flag: 'payload-entries' | 'server-work-us', max: number, fallback: number) => {
    const v = given(`--${flag}`, values[flag]);
    return v === undefined ? fallback : int(`--${flag}`, v, 0, max);
  };
  const service = createService({
    payloadEntries: number('payload-entries', MAX_PAYLOAD_ENTRIES, DEFAULT_PAYLOAD_ENTRIES),
    serverWorkUs: number('server-work-us', 10_000_000, 0),
  });
  const listen = given('--listen', values.listen) ?? entry.defaultListen;
  const transport = await loadTransport(entry.name);
  if (!transport.serve) throw new UsageError(`${transport.name} has no server: its plugin gives a client only`);
  const server = await transport.serve(listen, service, { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES }).catch((error: Error) => {
    throw new UsageError(`cannot serve ${transport.name} on ${maskAddress(listen)}: ${maskAddress(error.message)}`);
  });
  onShutdown(() => server.close());
  exitWithParent();
  // the transport served is named when a group name chose it, so that nobody wonders which variant this is
  const chosen = transport.name === given('--transport', values.transport) ? '' : ` (${transport.name})`;
  process.stdout.write(`listening ${maskAddress(server.address)}${chosen}\n`);
  // runs until a signal ends the process (shutdown hooks), or until it can no longer serve
  return new Promise<number>((resolve) => {
    void server.failed?.then((reason) => {
      process.stderr.write(`rpcbench serve: error: the server stopped: ${maskAddress(reason.message)}\n`);
      resolve(1);
    });
  });
}

if (isEntry(import.meta.url)) runCommand('serve', main);
