// Finds the broker a run uses, the same way for every brokered transport: its *_URL variable (or the local
// default) if a broker answers there; else, when a Docker engine is reachable, a container started with
// testcontainers and removed at the end of the run (also on Ctrl-C); else a reason that says how to fix it.
// Each broker is looked up once per process: the variants of a transport share the answer.
import { existsSync } from 'node:fs';
import { maskAddress } from './address.ts';

export type Broker = { url: string; reason: null } | { url: null; reason: string };

/** A kind of broker: where it is looked for, and how it is started when it is not there. Data, loading no library. */
export interface BrokerKind {
  /** As users know it: RabbitMQ, Redis, NATS, Mosquitto. */
  name: string;
  envVar: string;
  defaultUrl: string;
  /** How to start one here, for the message when none answers. */
  startHint: string;
  /**
   * testcontainers 11 runs on Node 20 (12 needs Node 22); images are pinned so runs compare. Absent where a plain
   * container would not do (Kafka advertises the port it listens on, not the one Docker maps).
   */
  container?: { image: string; port: number; command?: string[]; waitFor: RegExp; url(host: string, port: number): string };
}

export const BROKERS = {
  rabbitmq: {
    name: 'RabbitMQ',
    envVar: 'AMQP_URL',
    defaultUrl: 'amqp://guest:guest@127.0.0.1:5672',
    startHint: 'rabbitmq-server -detached',
    container: { image: 'rabbitmq:3.13-alpine', port: 5672, waitFor: /Server startup complete/, url: (host, port) => `amqp://guest:guest@${host}:${port}` },
  },
  redis: {
    name: 'Redis',
    envVar: 'REDIS_URL',
    defaultUrl: 'redis://127.0.0.1:6379',
    startHint: 'redis-server --daemonize yes',
    container: { image: 'redis:7-alpine', port: 6379, waitFor: /Ready to accept connections/, url: (host, port) => `redis://${host}:${port}` },
  },
  nats: {
    name: 'NATS',
    envVar: 'NATS_URL',
    defaultUrl: 'nats://127.0.0.1:4222',
    startHint: 'nats-server -a 127.0.0.1 -p 4222',
    container: { image: 'nats:2-alpine', port: 4222, waitFor: /Server is ready/, url: (host, port) => `nats://${host}:${port}` },
  },
  mosquitto: {
    name: 'Mosquitto',
    envVar: 'MQTT_URL',
    defaultUrl: 'mqtt://127.0.0.1:1883',
    startHint: 'mosquitto -d',
    container: {
      image: 'eclipse-mosquitto:2',
      port: 1883,
      command: ['mosquitto', '-c', '/mosquitto-no-auth.conf'],
      waitFor: /mosquitto version .* running/,
      url: (host, port) => `mqtt://${host}:${port}`,
    },
  },
  kafka: {
    name: 'Kafka',
    envVar: 'KAFKA_URL',
    defaultUrl: 'kafka://127.0.0.1:9092',
    startHint: 'bash scripts/kafka.sh start',
  },
  rocketmq: {
    name: 'RocketMQ',
    envVar: 'ROCKETMQ_URL',
    defaultUrl: 'rocketmq://127.0.0.1:9876',
    startHint: 'bash scripts/rocketmq.sh start',
  },
} satisfies Record<string, BrokerKind>;

/** The broker's URL as configured: its *_URL variable, else the local default. */
export const brokerUrlFromEnv = (kind: BrokerKind): string => process.env[kind.envVar] || kind.defaultUrl;

interface BrokerSpec extends BrokerKind {
  /** Returns why the broker at `url` cannot be used, or null when it answers. */
  probe(url: string): Promise<string | null>;
}

export interface BrokerFinder {
  urlFromEnv(): string;
  /** Finds the broker once (later calls share the answer); `waitMs`: how long to keep asking one that is starting. */
  find(waitMs?: number): Promise<Broker>;
  /** A transport's `prepare`: finds the broker, and says why it cannot be used (null when it can). */
  prepare(): Promise<string | null>;
  /** The broker found (a container's, say), or the configured one before `find`. */
  url(): string;
  /** Stops a container this process started; a no-op otherwise. */
  release(): Promise<void>;
}

export function brokerFinder(kind: BrokerKind, probe: (url: string) => Promise<string | null>): BrokerFinder {
  const spec: BrokerSpec = { ...kind, probe };
  let found: Promise<Broker> | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  let foundUrl: string | null = null;
  const urlFromEnv = () => brokerUrlFromEnv(spec);
  const find = (waitMs = 0) => {
    found ??= locate(spec, urlFromEnv(), waitMs, (c) => {
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

/** The probe's answer, asked again every 250 ms for up to `waitMs` while the broker does not answer. */
async function probeFor(spec: BrokerSpec, url: string, waitMs: number): Promise<string | null> {
  const until = Date.now() + waitMs;
  for (;;) {
    const problem = await spec.probe(url);
    if (!problem || Date.now() >= until) return problem;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function locate(spec: BrokerSpec, url: string, waitMs: number, onContainer: (cleanup: () => Promise<void>) => void): Promise<Broker> {
  const problem = await probeFor(spec, url, waitMs);
  if (!problem) return { url, reason: null };
  const fix = `set ${spec.envVar} to a broker, or start ${spec.name} (${spec.startHint}), or start Docker`;
  if (!spec.container)
    return {
      url: null,
      reason: `no ${spec.name} broker at ${maskAddress(url)} (${problem}): set ${spec.envVar} to a broker, or start ${spec.name} (${spec.startHint})`,
    };
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
  const c = spec.container!;
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
