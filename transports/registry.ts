// The one place transports are listed. Adding a transport: write its file, add it here, cover it in test/.
import { httpJson } from './http.ts';
import { inproc } from './inproc.ts';
import { tcp } from './tcp.ts';
import type { Transport } from './transport.ts';
import { xmlrpc } from './xmlrpc.ts';
import { zerorpc } from './zerorpc.ts';

export const TRANSPORTS: readonly Transport[] = [inproc, tcp, httpJson, xmlrpc, zerorpc];

export function transportNames(): string[] {
  return TRANSPORTS.map((t) => t.name);
}

export function findTransport(name: string): Transport | undefined {
  return TRANSPORTS.find((t) => t.name === name);
}
