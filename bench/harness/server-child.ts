// Entry of a server child process: the harness forks this so client and server never share an event loop.
// IPC protocol: parent -> child {type:'config', config} (first; never argv, which `ps` shows: it may hold a password)
//                               | {type:'cpu', id} | {type:'stop'};
//               child -> parent {type:'ready', address} | {type:'failed', message} | {type:'cpu', id, usage}.
// The child exits when told to stop or when the parent goes away (IPC disconnect), so no server outlives a run.
import { createService } from '../../transports/contract.ts';
import { loadTransport } from '../../transports/registry.ts';
import type { ServerHandle } from '../../transports/transport.ts';
import { registerPlugins } from './plugins.ts';
import type { ServerProcessConfig } from './server-processes.ts';

let server: ServerHandle | undefined;

/** Loads the one transport this child serves (a plugin's module first, when it is one), and nothing else. */
async function start(config: ServerProcessConfig): Promise<void> {
  if (config.plugin) await registerPlugins([config.plugin]);
  const transport = await loadTransport(config.transport);
  if (!transport.serve) throw new Error(`${config.transport} has no server`);
  server = await transport.serve(config.listen, createService(config.service), config.server);
  process.send!({ type: 'ready', address: server.address });
  // a server that can no longer serve says why and exits non-zero: the harness reports the cell as failed
  void server.failed?.then((reason) => {
    console.error(`server stopped: ${reason.message}`);
    void stop(1);
  });
}

/** This process's CPU, with that of the processes its server started (a reference server's JVM) as user time. */
function cpuUsage(): NodeJS.CpuUsage {
  const own = process.cpuUsage();
  return { user: own.user + (server?.childCpuUs?.() ?? 0), system: own.system };
}

async function stop(code: number): Promise<never> {
  await Promise.race([server?.close(), new Promise((r) => setTimeout(r, 2000))]).catch(() => {});
  process.exit(code);
}

process.on('message', (msg: { type: string; id?: number; config?: ServerProcessConfig }) => {
  if (msg.type === 'config') {
    start(msg.config!).catch((error: Error) => process.send?.({ type: 'failed', message: error.message }, () => process.exit(1)));
  }
  if (msg.type === 'cpu') process.send!({ type: 'cpu', id: msg.id, usage: cpuUsage() });
  if (msg.type === 'stop') void stop(0);
});
process.on('disconnect', () => void stop(0));
process.on('SIGINT', () => {}); // Ctrl-C reaches the whole process group; the parent decides when we stop
