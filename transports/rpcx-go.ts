// rpcx:go: the rpcx row with rpcx's own server (github.com/smallnest/rpcx v1.9.3, Go), built with the Go toolchain
// from the module proxy the first time the row runs (transports/reference/rpcx) and started by our server child,
// which counts its CPU as the server's and stops it with itself. The client is ours, the rpcx row's; rpcx's Go
// client calls our server in test/interop-rpcx.test.ts.
import { fileURLToPath } from 'node:url';
import type { Service } from './contract.ts';
import { rpcx } from './rpcx.ts';
import { hostPort, parseAddress } from './support/address.ts';
import { type GoBuild, goBuild } from './support/go.ts';
import { startReference } from './support/reference-server.ts';
import type { ServerHandle, ServerOptions, TransportImpl } from './transport.ts';

export const RPCX_PROJECT = fileURLToPath(new URL('./reference/rpcx', import.meta.url));
/** A Go server listens in milliseconds; the margin is for a machine busy with other things. */
const READY_MS = 30_000;

let built: Promise<GoBuild> | undefined;
export const buildRpcxPeer = () => (built ??= goBuild(RPCX_PROJECT, 'rpcx-peer'));

export const rpcxGo = {
  codec: rpcx.codec,
  // the first run builds the server (under a minute: Go downloads rpcx's modules); later runs find it built
  prepare: async () => {
    const b = await buildRpcxPeer();
    return b.missing ? `the rpcx server cannot be built: ${b.missing}` : null;
  },
  serve,
  connect: rpcx.connect,
} satisfies TransportImpl;

async function serve(listen: string, service: Service, options: ServerOptions): Promise<ServerHandle> {
  const { host, port } = hostPort(parseAddress(listen, ['rpcx:']), 0);
  if (host !== '127.0.0.1' && host !== 'localhost') throw new Error(`the rpcx server listens on 127.0.0.1 only, not ${host}`);
  const b = await buildRpcxPeer();
  if (b.missing) throw new Error(`the rpcx server cannot be built: ${b.missing}`);
  const { payloadEntries, serverWorkUs } = service.options;
  return startReference({
    what: 'the rpcx server',
    command: b.binary,
    args: ['server', String(port), String(payloadEntries), String(serverWorkUs), String(options.maxMessageBytes)],
    ready: /listening (rpcx:\/\/\S+)/,
    readyMs: READY_MS,
  });
}
