#!/usr/bin/env node
// A TCP relay that delays every chunk by a fixed one-way delay (plus optional jitter), in both directions, order
// kept: a link with a propagation delay, for kernels without tc netem (CONFIG_NET_SCH_NETEM unset; see
// scripts/netns.sh, which uses netem when it can). It cannot drop packets: TCP loss is netem's alone.
//
//   node scripts/delay-relay.mjs LISTEN_HOST TARGET_HOST ONE_WAY_MS JITTER_MS PORT [PORT ...]
//
// Listens on LISTEN_HOST:PORT for each PORT and forwards to TARGET_HOST:PORT. Prints "relaying" when ready.
import net from 'node:net';

const [listenHost, targetHost, delayText, jitterText, ...ports] = process.argv.slice(2);
const oneWayMs = Number(delayText);
const jitterMs = Number(jitterText);
if (!listenHost || !targetHost || !(oneWayMs >= 0) || !(jitterMs >= 0) || !ports.length) {
  process.stderr.write('usage: delay-relay.mjs LISTEN_HOST TARGET_HOST ONE_WAY_MS JITTER_MS PORT [PORT ...]\n');
  process.exit(2);
}

/**
 * Forwards from `from` to `to`, each chunk after the delay, in order: one queue and one timer per direction (a
 * timer per chunk could fire out of order, since a timer may fire up to 1 ms early and be re-armed).
 */
function delayed(from, to) {
  const queue = [];
  let scheduled = false;
  let ended = false;
  const schedule = (ms) => {
    scheduled = true;
    setTimeout(pump, Math.max(0, ms));
  };
  const pump = () => {
    scheduled = false;
    while (queue.length && queue[0].due <= performance.now()) {
      const { chunk } = queue.shift();
      if (to.writable) to.write(chunk);
    }
    if (queue.length) schedule(queue[0].due - performance.now());
    else if (ended) to.end();
  };
  from.on('data', (chunk) => {
    const last = queue.at(-1)?.due ?? 0;
    queue.push({ chunk, due: Math.max(last, performance.now() + oneWayMs + Math.random() * jitterMs) });
    if (!scheduled) schedule(queue[0].due - performance.now());
  });
  from.on('end', () => {
    ended = true;
    if (!scheduled) schedule(0);
  });
  from.on('error', () => to.destroy());
}

let listening = 0;
for (const port of ports.map(Number)) {
  const server = net.createServer((client) => {
    client.setNoDelay(true);
    const upstream = net.connect({ host: targetHost, port }, () => upstream.setNoDelay(true));
    delayed(client, upstream);
    delayed(upstream, client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  server.listen(port, listenHost, () => {
    if (++listening === ports.length) process.stdout.write(`relaying ${listenHost} -> ${targetHost} ports ${ports.join(',')}, ${oneWayMs} ms each way\n`);
  });
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
