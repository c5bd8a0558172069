// The broker's CPU time, where the broker runs on this host and its process is visible: RabbitMQ, Redis, NATS and
// Mosquitto do the work of a brokered call as much as our server does, and a CPU-per-call figure without them makes
// brokered transports look cheap. The broker is found by the port it listens on (/proc/net/tcp and tcp6, then the
// process holding that socket's inode), and its CPU is the sum of its threads' run time (/proc/PID/task/*/schedstat,
// in ns: the Erlang VM of RabbitMQ runs dozens of threads). Nothing here is a guess: a broker on another host, in a
// container (its port is held by docker-proxy, or by nothing we can see) or in a process we may not read is
// "not measured", never 0.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { firstHop, type HostPort } from '../../transports/support/address.ts';
import { processCpuUs } from '../../transports/support/process-cpu.ts';

export interface BrokerProcess {
  pid: number;
  /** Its command name (`beam.smp`, `redis-server`, `nats-server`, `mosquitto`), for the report. */
  command: string;
  /** CPU time it has used so far, µs; null once it cannot be read (it exited). */
  cpuUs(): number | null;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '0.0.0.0', '::']);
/** Processes that hold a port for a broker elsewhere: their CPU is not the broker's. */
const PROXIES = new Set(['docker-proxy', 'rootlessport', 'slirp4netns', 'pasta', 'kubectl']);

export type BrokerFound = BrokerProcess | { reason: string };

/**
 * The broker a brokered transport's address leads to (its first hop, or the hop the transport names), or why its CPU
 * cannot be measured.
 */
export async function brokerOf(address: string, brokerHop?: (address: string) => Promise<HostPort>): Promise<BrokerFound> {
  let hop: HostPort;
  try {
    hop = brokerHop ? await brokerHop(address) : firstHop(address);
  } catch (error) {
    return { reason: brokerHop ? `its broker could not be found: ${(error as Error).message}` : 'its address names no host and port' };
  }
  return findBroker(hop.host, hop.port);
}

/** What the report says of it: `measured: beam.smp (pid 2940)` or `not measured: why`. */
export const brokerNote = (b: BrokerFound): string => ('pid' in b ? `measured: ${b.command} (pid ${b.pid})` : `not measured: ${b.reason}`);

/** The broker process listening on `host:port` of this machine, or why it cannot be measured. */
export function findBroker(host: string, port: number): BrokerProcess | { reason: string } {
  if (!LOOPBACK.has(host.replace(/^\[|\]$/g, ''))) return { reason: `the broker runs on ${host}, not on this host` };
  const inodes = listeningInodes(port);
  if (!inodes.size) return { reason: `no process of this host listens on port ${port} (a container or another namespace)` };
  const pid = holderOf(inodes);
  if (pid === null) return { reason: `the process listening on port ${port} is not visible to this user` };
  const command = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  if (PROXIES.has(command)) return { reason: `port ${port} is held by ${command}: the broker runs in a container` };
  return { pid, command, cpuUs: () => processCpuUs(pid) };
}

/** Inodes of the sockets in state LISTEN (0A) on `port`, IPv4 and IPv6. */
function listeningInodes(port: number): Set<string> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && f[3] === '0A' && f[1]!.endsWith(`:${hexPort}`)) inodes.add(f[9]!);
    }
  }
  inodes.delete('0');
  return inodes;
}

/** The process with a file descriptor on one of the socket inodes; null when none we can read has one. */
function holderOf(inodes: Set<string>): number | null {
  const wanted = new Set([...inodes].map((i) => `socket:[${i}]`));
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // not ours to read, or gone
    }
    for (const fd of fds) {
      try {
        if (wanted.has(readlinkSync(`/proc/${entry}/fd/${fd}`))) return Number(entry);
      } catch {
        // closed meanwhile
      }
    }
  }
  return null;
}
