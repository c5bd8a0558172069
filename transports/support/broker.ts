// Finds the broker a run uses, the same way for every brokered transport: its *_URL variable (or the local
// default) if a broker answers there; else, when a Docker engine is reachable, a container started with
// testcontainers and removed at the end of the run (also on Ctrl-C); else a reason that says how to fix it.
// Each broker is looked up once per process: the variants of a transport share the answer.
import { existsSync } from 'node:fs';
import { maskAddress } from './address.ts';

export type Broker = { url: string; reason: null } | { url: null; reason: string };

export interface BrokerSpec {
  /** As users know it: RabbitMQ, Redis, NATS, Mosquitto. */
  name: string;
  envVar: string;
  defaultUrl: string;
  /** How to start one here, for the message when none answers. */
  startHint: string;
  /** Returns why the broker at `url` cannot be used, or null when it answers. */
  probe(url: string): Promise<string | null>;
  /** testcontainers 11 runs on Node 20 (12 needs Node 22); images are pinned so runs compare. */
  container: { image: string; port: number; command?: string[]; waitFor: RegExp; url(host: string, port: number): string };
}

export interface BrokerFinder {
  urlFromEnv(): string;
  find(): Promise<Broker>;
  /** A transport's `prepare`: finds the broker, and says why it cannot be used (null when it can). */
  prepare(): Promise<string | null>;
  /** The broker found (a container's, say), or the configured one before `find`. */
  url(): string;
  /** Stops a container this process started; a no-op otherwise. */
  release(): Promise<void>;
}

export function brokerFinder(spec: BrokerSpec): BrokerFinder {
  let found: Promise<Broker> | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  let foundUrl: string | null = null;
  const urlFromEnv = () => process.env[spec.envVar] || spec.defaultUrl;
  const find = () => {
    found ??= locate(spec, urlFromEnv(), (c) => {
      cleanup = c;
    }).then((broker) => {
      foundUrl = broker.url;
      return broker;
    });
    return found;
  };
  return {
    urlFromEnv,
    find,
    prepare: async () => (await find()).reason,
    url: () => foundUrl ?? urlFromEnv(),
    async release() {
      await cleanup?.();
      cleanup = undefined;
    },
  };
}

async function locate(spec: BrokerSpec, url: string, onContainer: (cleanup: () => Promise<void>) => void): Promise<Broker> {
  const problem = await spec.probe(url);
  if (!problem) return { url, reason: null };
  const fix = `set ${spec.envVar} to a broker, or start ${spec.name} (${spec.startHint}), or start Docker`;
  if (!dockerReachable()) return { url: null, reason: `no ${spec.name} broker at ${maskAddress(url)} (${problem}) and no Docker engine to start one: ${fix}` };
  try {
    return { url: await startContainer(spec, onContainer), reason: null };
  } catch (error) {
    return {
      url: null,
      reason: `no ${spec.name} broker at ${maskAddress(url)} (${problem}), and starting ${spec.container.image} with Docker failed: ${(error as Error).message}`,
    };
  }
}

function dockerReachable(): boolean {
  return Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}

async function startContainer(spec: BrokerSpec, onContainer: (cleanup: () => Promise<void>) => void): Promise<string> {
  // imported lazily: runs without Docker never load testcontainers
  const { GenericContainer, Wait } = await import('testcontainers');
  const c = spec.container;
  let container = new GenericContainer(c.image).withExposedPorts(c.port).withWaitStrategy(Wait.forLogMessage(c.waitFor));
  if (c.command) container = container.withCommand(c.command);
  const started = await container.start();
  onContainer(async () => void (await started.stop({ remove: true })));
  return c.url(started.getHost(), started.getMappedPort(c.port));
}

/** A probe's reason: the error code where there is one (ECONNREFUSED), else the message. */
export function probeReason(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}
