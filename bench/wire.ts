// Bytes on the wire per call: a short, untimed pass through the counting relay, so no relay sits in a timed path.
// Counts TCP payload both ways between the client and the first hop (server, or broker for amqp).
import type { CallSpec } from '../transports/contract.ts';
import { hostPort, withHostPort } from '../transports/support/address.ts';
import type { ClientOptions, Transport } from '../transports/transport.ts';
import { startRelay } from './relay.ts';
import type { BytesPerCall } from './types.ts';

const WARMUP_CALLS = 10; // connection set-up, handshakes and first-call metadata are not per-call cost
const COUNTED_CALLS = 50;
const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'amqp:': 5672 };

export async function measureBytesPerCall(transport: Transport, address: string, spec: CallSpec, options: ClientOptions): Promise<BytesPerCall | null> {
  if (!transport.wire) return null;
  const url = new URL(address);
  const relay = await startRelay(hostPort(url, DEFAULT_PORTS[url.protocol]));
  try {
    const client = await transport.connect(withHostPort(address, { host: '127.0.0.1', port: relay.port }), options);
    try {
      for (let i = 0; i < WARMUP_CALLS; i++) await client.call(spec.method, spec.args);
      relay.reset();
      for (let i = 0; i < COUNTED_CALLS; i++) await client.call(spec.method, spec.args);
      const { request, response } = relay.counts();
      return { request: Math.round(request / COUNTED_CALLS), response: Math.round(response / COUNTED_CALLS) };
    } finally {
      await client.close();
    }
  } finally {
    await relay.close();
  }
}
