// Cleanup that must run on Ctrl-C and SIGTERM as well as on normal exit, in order: first the partial report (what
// finished is written before anything else can fail or take long), then whatever generates load (a client still
// sending would recreate a queue or key its server just deleted), then the servers (which delete their queues and
// keys), then the brokers' containers.
export type ShutdownPhase = 'runs' | 'report' | 'clients' | 'servers' | 'brokers' | 'work trees';
const PHASES: ShutdownPhase[] = ['runs', 'report', 'clients', 'servers', 'brokers', 'work trees'];
/** The whole clean-up gets this long; a hook that hangs cannot keep the process from exiting. */
const SHUTDOWN_MS = 5000;

const hooks = new Map<ShutdownPhase, Set<() => Promise<void> | void>>(PHASES.map((p) => [p, new Set()]));
let installed = false;
let stopping = false;

/** A signal has come: what is still running is being taken down, and its failures are not results. */
export function shuttingDown(): boolean {
  return stopping;
}

/** Registers a cleanup; returns the function that unregisters it once the resource is released normally. */
export function onShutdown(hook: () => Promise<void> | void, phase: ShutdownPhase = 'servers'): () => void {
  if (!installed) install();
  hooks.get(phase)!.add(hook);
  return () => void hooks.get(phase)!.delete(hook);
}

export async function runShutdownHooks(): Promise<void> {
  const all = (async () => {
    for (const phase of PHASES) {
      const pending = [...hooks.get(phase)!].map((h) =>
        Promise.resolve()
          .then(h)
          .catch(() => {}),
      );
      hooks.get(phase)!.clear();
      await Promise.all(pending);
    }
  })();
  await Promise.race([all, new Promise((r) => setTimeout(r, SHUTDOWN_MS))]);
}

/**
 * The first SIGINT or SIGTERM starts the clean-up; any that follow are ignored until it ends (within SHUTDOWN_MS):
 * `npm run bench` forwards the terminal's Ctrl-C to a process that already got it, and a second signal must not
 * kill the process half-way through writing its reports.
 */
function install(): void {
  installed = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`\nrpcbench: ${signal}, cleaning up...\n`);
      void runShutdownHooks().then(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
}
