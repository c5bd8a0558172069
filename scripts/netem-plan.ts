// Which transports the network-conditions sweep (scripts/netem-bench.sh) runs, and where each listens on the server
// host H: every transport of the default matrix that has a server of its own (a port of its own, from 4242) or whose
// broker the sweep starts there (Redis, NATS, Mosquitto: their ports below). The rest are named on stderr, never
// dropped silently. Prints "NAME<TAB>ADDRESS" lines, ADDRESS with H for the server host's address.
//   node --import tsx scripts/netem-plan.ts 6379,4222,1883
import { defaultTransports, loadTransport } from '../transports/registry.ts';

const brokerPorts = new Set((process.argv[2] ?? '').split(',').filter(Boolean).map(Number));
let next = 4242;
for (const entry of defaultTransports()) {
  if (entry.traits.inProcess) continue;
  const url = new URL(entry.defaultListen);
  const own = url.port === '0';
  if (!own && !brokerPorts.has(Number(url.port))) {
    process.stderr.write(`netem-plan: left out ${entry.name}: the sweep starts no broker at port ${url.port || '(default)'} on the server host\n`);
    continue;
  }
  // a brokered transport's bench address names a queue of its own (so two on one broker never share one)
  const listen = own ? `${url.protocol}//H:${next++}` : ((await loadTransport(entry.name)).benchListen?.() ?? entry.defaultListen);
  process.stdout.write(`${entry.name}\t${listen.replace(/\/\/(\[[^\]]*\]|[^/:?]*)/, '//H')}\n`);
}
