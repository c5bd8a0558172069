// Bytes on the wire per call, counted by a TCP relay in a short untimed pass, so no relay ever sits in a timed
// path and no transport is touched. Counts TCP payload both ways between the client and its first hop
// (the server, or the broker for brokered transports).
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
    const client = await transport.connect(withHostPort(address, { host: '127.0.0.1', port: relay.port }), options);
    try {
      for (let i = 0; i < WARMUP_CALLS; i++) await client.call(spec.method, spec.args);
      relay.reset();
      for (let i = 0; i < COUNTED_CALLS; i++) await client.call(spec.method, spec.args);
      const { request, response } = relay.counts();
      // nothing through the relay: the client was sent elsewhere after its first hop (Kafka's metadata names the
      // broker's advertised address), so the calls were not counted; never a count of 0
      if (request === 0 && response === 0) return null;
      return { request: Math.round(request / COUNTED_CALLS), response: Math.round(response / COUNTED_CALLS) };
    } finally {
      await client.close();
    }
  } finally {
    await relay.close();
  }
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
