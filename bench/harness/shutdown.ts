// Cleanup that must run on Ctrl-C as well as on normal exit: server processes, relays, queues, containers.
const hooks = new Set<() => Promise<void> | void>();
let installed = false;

/** Registers a cleanup; returns the function that unregisters it once the resource is released normally. */
export function onShutdown(hook: () => Promise<void> | void): () => void {
  if (!installed) install();
  hooks.add(hook);
  return () => void hooks.delete(hook);
}

export async function runShutdownHooks(): Promise<void> {
  const pending = [...hooks].map((h) =>
    Promise.resolve()
      .then(h)
      .catch(() => {}),
  );
  hooks.clear();
  await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, 5000))]);
}

function install(): void {
  installed = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nrpcbench: ${signal}, cleaning up...\n`);
      void runShutdownHooks().then(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
}
