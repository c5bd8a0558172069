// The one place transports are listed, and what a name on the command line means.
// Adding a transport: write its file, add it here, cover it in test/.
//
// A name is a transport's own name (`tcp`, `amqp:direct-reply`), or a group that is not itself a transport
// (`amqp`). A group means different members depending on what is asked for (see `Purpose`), always the same way.
import { amqpTransports } from './amqp.ts';
import { grpcJs } from './grpc.ts';
import { grpcConnect } from './grpc-connect.ts';
import { httpJson } from './http.ts';
import { inproc } from './inproc.ts';
import { mqttTransports } from './mqtt.ts';
import { nats } from './nats.ts';
import { redisTransports } from './redis.ts';
import { tcp } from './tcp.ts';
import { thriftTransports } from './thrift.ts';
import type { Transport } from './transport.ts';
import { xmlrpc } from './xmlrpc.ts';
import { xmlrpcPackage } from './xmlrpc-package.ts';
import { zerorpc } from './zerorpc.ts';

export const TRANSPORTS: readonly Transport[] = [
  inproc,
  tcp,
  httpJson,
  xmlrpc,
  xmlrpcPackage,
  zerorpc,
  grpcJs,
  grpcConnect,
  ...thriftTransports,
  ...amqpTransports,
  ...redisTransports,
  nats,
  ...mqttTransports,
];

export class TransportNameError extends Error {
  constructor(readonly unknownName: string) {
    super(`unknown transport ${JSON.stringify(unknownName)}; allowed: ${allowedNames().join(', ')}`);
  }
}

/**
 * What a group name stands for:
 * - `run`: the members to benchmark (`--transports amqp`): those in the default matrix;
 * - `every`: all members (`--server-work-us amqp=40`, `--transports amqp:*`);
 * - `one`: where one server is meant (`serve`): the group's first member;
 * - `target`: against a foreign server (`--target amqp=URL`): the members that are client-side choices.
 */
export type Purpose = 'run' | 'every' | 'one' | 'target';

export function findTransport(name: string): Transport | undefined {
  return TRANSPORTS.find((t) => t.name === name);
}

export function groupMembers(group: string): Transport[] {
  return TRANSPORTS.filter((t) => t.traits.group === group);
}

/** Group names that are not themselves transports, each with its members. */
export function groups(): Map<string, Transport[]> {
  const out = new Map<string, Transport[]>();
  for (const t of TRANSPORTS) {
    const g = t.traits.group;
    if (g && !findTransport(g)) out.set(g, [...(out.get(g) ?? []), t]);
  }
  return out;
}

/** The transports a command-line name means for `purpose`; `GROUP:*` is every member of a group. */
export function resolve(name: string, purpose: Purpose): Transport[] {
  const exact = findTransport(name);
  if (exact) return [exact];
  const wildcard = name.endsWith(':*');
  const members = groupMembers(wildcard ? name.slice(0, -2) : name);
  if (!members.length) throw new TransportNameError(name);
  if (wildcard || purpose === 'every') return members;
  if (purpose === 'one') return [members[0]!];
  if (purpose === 'target') {
    const clientSide = members.filter((t) => t.traits.clientSide);
    return clientSide.length ? clientSide : [members[0]!];
  }
  return members.filter((t) => t.traits.inDefault);
}

/** Transport names, then group names (with their `:*` form). */
export function allowedNames(): string[] {
  return [...TRANSPORTS.map((t) => t.name), ...[...groups().keys()].flatMap((g) => [g, `${g}:*`])];
}

/** The default matrix of `npm run bench`. */
export function defaultTransports(): Transport[] {
  return TRANSPORTS.filter((t) => t.traits.inDefault);
}

/** The transport whose p50 change the gate divides out when normalizing: the wire floor, else the harness floor. */
export const DRIFT_REFERENCE_ROLES = ['wire-floor', 'harness-floor'] as const;
