// The one place transports are listed. Adding a transport: write its file, add it here, cover it in test/.
import { amqpTransports } from './amqp.ts';
import { httpJson } from './http.ts';
import { inproc } from './inproc.ts';
import { tcp } from './tcp.ts';
import type { Transport } from './transport.ts';
import { xmlrpc } from './xmlrpc.ts';
import { zerorpc } from './zerorpc.ts';

export const TRANSPORTS: readonly Transport[] = [inproc, tcp, httpJson, xmlrpc, zerorpc, ...amqpTransports];

export function transportNames(): string[] {
  return TRANSPORTS.map((t) => t.name);
}

/** What the CLI needs to expand names: every name, the groups (`amqp` = its variants), and the default matrix. */
export interface TransportCatalog {
  names: string[];
  /** group -> { all variant names, the ones in the default matrix } */
  groups: Record<string, { all: string[]; defaults: string[] }>;
  defaults: string[];
}

export function transportCatalog(): TransportCatalog {
  const inDefault = (name: string) => !name.startsWith('amqp:') || amqpTransports.some((t) => t.name === name && t.variant.inDefault);
  const amqpNames = amqpTransports.map((t) => t.name);
  return {
    names: transportNames(),
    groups: { amqp: { all: amqpNames, defaults: amqpNames.filter(inDefault) } },
    defaults: transportNames().filter(inDefault),
  };
}

/**
 * One name where a single transport is meant (serve, --target): `amqp` serves or calls a queue the way
 * the RabbitMQ tutorial does, with nothing the other side must agree on (direct reply-to is the client's affair).
 */
export const ALIASES: Readonly<Record<string, string>> = { amqp: 'amqp:direct-reply' };

export function findTransport(name: string): Transport | undefined {
  const canonical = ALIASES[name] ?? name;
  return TRANSPORTS.find((t) => t.name === canonical);
}
