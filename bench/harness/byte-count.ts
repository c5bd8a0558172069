// Bytes on the wire per call, counted by a TCP relay in a short untimed pass, so no relay ever sits in a timed
// path and no transport is touched. Counts TCP payload both ways between the client and its first hop
// (the server, or the broker for brokered transports). A client that the first hop sends elsewhere (Kafka's
// metadata names the broker's advertised address, RocketMQ's NameServer the broker's) is counted instead on the TCP
// sockets it opens itself, which Node announces on the `net.client.socket` diagnostics channel.
import diagnostics from 'node:diagnostics_channel';
import net from 'node:net';
import type { CallSpec } from '../../transports/contract.ts';
import { firstHop, type HostPort, withHostPort } from '../../transports/support/address.ts';
import { closerFor, listen } from '../../transports/support/sockets.ts';
import type { ClientOptions, Transport } from '../../transports/transport.ts';
import type { BytesPerCall } from '../report/types.ts';

const WARMUP_CALLS = 10; // connection set-up, handshakes and first-call metadata are not per-call cost
const COUNTED_CALLS = 50;

export interface Relay {
  port: number;
  /** Bytes client->server and server->client since the last reset. */
  counts(): BytesPerCall;
  reset(): void;
  close(): Promise<void>;
}

export async function measureBytesPerCall(transport: Transport, address: string, spec: CallSpec, options: ClientOptions): Promise<BytesPerCall | null> {
  if (transport.traits.inProcess) return null;
  const relay = await startRelay(firstHop(address));
  try {
    const counted = await countedCalls(transport, withHostPort(address, { host: '127.0.0.1', port: relay.port }), spec, options, relay);
    // nothing through the relay: the client was sent elsewhere after its first hop, so the calls were not counted
    if (counted.request > 0 || counted.response > 0) return counted;
  } finally {
    await relay.close();
  }
  const sockets = socketCounter();
  try {
    const counted = await countedCalls(transport, address, spec, options, sockets);
    return counted.request > 0 || counted.response > 0 ? counted : null; // never a count of 0
  } finally {
    sockets.close();
  }
}

/** Bytes each way since the last reset. */
interface Counter {
  counts(): BytesPerCall;
  reset(): void;
}

/** Warm-up calls, a reset, then the counted calls: the counter's bytes per counted call. */
async function countedCalls(transport: Transport, address: string, spec: CallSpec, options: ClientOptions, counter: Counter): Promise<BytesPerCall> {
  const client = await transport.connect(address, options);
  try {
    for (let i = 0; i < WARMUP_CALLS; i++) await client.call(spec.method, spec.args);
    counter.reset();
    for (let i = 0; i < COUNTED_CALLS; i++) await client.call(spec.method, spec.args);
    const { request, response } = counter.counts();
    return { request: Math.round(request / COUNTED_CALLS), response: Math.round(response / COUNTED_CALLS) };
  } finally {
    await client.close();
  }
}

/** Bytes written (request) and read (response) on every TCP socket this process opens while it is subscribed. */
function socketCounter(): Counter & { close(): void } {
  const sockets: net.Socket[] = [];
  const onSocket = (message: unknown) => void sockets.push((message as { socket: net.Socket }).socket);
  diagnostics.subscribe('net.client.socket', onSocket);
  const total = () => sockets.reduce((n, s) => ({ request: n.request + s.bytesWritten, response: n.response + s.bytesRead }), { request: 0, response: 0 });
  let base = total();
  return {
    counts: () => {
      const now = total();
      return { request: now.request - base.request, response: now.response - base.response };
    },
    reset: () => void (base = total()),
    close: () => diagnostics.unsubscribe('net.client.socket', onSocket),
  };
}

export async function startRelay(target: HostPort): Promise<Relay> {
  let request = 0;
  let response = 0;
  const server = net.createServer((client) => {
    client.setNoDelay(true);
    const upstream = net.connect({ ...target, noDelay: true });
    for (const s of [client, upstream]) s.on('error', () => s.destroy());
    client.on('data', (chunk: Buffer) => {
      request += chunk.length;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      response += chunk.length;
      client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const close = closerFor(server);
  const bound = await listen(server, '127.0.0.1', 0);
  return {
    port: bound.port,
    counts: () => ({ request, response }),
    reset: () => {
      request = 0;
      response = 0;
    },
    close,
  };
}
