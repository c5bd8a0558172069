// Loads a plugin's module in a thread of its own, so that the tool can stop a module that never finishes loading
// (plugins.ts). Registers tsx where it can (a plugin may be TypeScript), then imports the module and says whether it
// loaded.
import { parentPort, workerData } from 'node:worker_threads';

try {
  try {
    const { register } = await import('tsx/esm/api');
    register();
  } catch {
    // no tsx here (an installed package): a JavaScript plugin needs none
  }
  await import(workerData);
  parentPort.postMessage({ ok: true });
} catch (error) {
  parentPort.postMessage({
    ok: false,
    error: String(error?.message ?? error)
      .split('\n')[0]
      .slice(0, 300),
  });
}
