// Entry of a client worker thread (--client-workers N): connects its own client to the server and runs the
// windows of load it is asked for, answering each with what it measured (see load.ts for the protocol).
import { parentPort } from 'node:worker_threads';
import { loadTransport } from '../../transports/registry.ts';
import { inThread, type LoadGenerator, liveOf, toWire, type WorkerReply, type WorkerRequest } from './load-generator.ts';
import { registerPlugins } from './plugins.ts';
import { type LoadWindow, ScenarioAborted } from './recorder.ts';

let load: (LoadGenerator & { runShare: ReturnType<typeof inThread>['runShare'] }) | undefined;

async function handle(req: WorkerRequest): Promise<WorkerReply> {
  if (req.type === 'connect') {
    // the one transport this thread calls (its plugin's module first, when it is one)
    if (req.plugin) await registerPlugins([req.plugin]);
    const transport = await loadTransport(req.transport);
    load = inThread(await transport.connect(req.address, req.client), req.fibN);
    return { id: req.id, ok: true };
  }
  if (req.type === 'run') {
    if (!load) throw new Error('not connected');
    const live = (w: LoadWindow) => parentPort!.postMessage({ id: req.id, live: liveOf(w) } satisfies WorkerReply);
    return { id: req.id, ok: true, window: toWire(await load.runShare(req.cell, req.share, req.limits, live)) };
  }
  await load?.close();
  load = undefined;
  return { id: req.id, ok: true };
}

parentPort!.on('message', (req: WorkerRequest) => {
  handle(req).then(
    (reply) => parentPort!.postMessage(reply),
    (error: Error) => parentPort!.postMessage({ id: req.id, ok: false, error: error.message, aborted: error instanceof ScenarioAborted } satisfies WorkerReply),
  );
});
