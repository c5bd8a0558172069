// Finds the RabbitMQ broker a run uses: AMQP_URL (default amqp://guest:guest@127.0.0.1:5672) if it answers;
// else, when a Docker engine is reachable, a RabbitMQ container started with testcontainers and removed
// at the end of the run (also on Ctrl-C); else a reason that says how to fix it.
import { existsSync } from 'node:fs';
import amqp from 'amqplib';
import { maskAddress } from './address.ts';

export const DEFAULT_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';
/** testcontainers 11 runs on Node 20 (12 needs Node 22); the image is pinned so runs compare. */
const RABBITMQ_IMAGE = 'rabbitmq:3.13-alpine';
const PROBE_TIMEOUT_MS = 3000;

export type Broker = { url: string; reason: null } | { url: null; reason: string };

let found: Promise<Broker> | undefined;
let cleanup: (() => Promise<void>) | undefined;

export function brokerUrlFromEnv(): string {
  return process.env.AMQP_URL || DEFAULT_AMQP_URL;
}

/** Looked up once per process: every amqp variant shares the answer. */
export function findBroker(): Promise<Broker> {
  found ??= locate();
  return found;
}

/** Stops a container this process started; a no-op otherwise. */
export async function releaseBroker(): Promise<void> {
  await cleanup?.();
  cleanup = undefined;
}

async function locate(): Promise<Broker> {
  const url = brokerUrlFromEnv();
  const problem = await probe(url);
  if (!problem) return { url, reason: null };
  if (!dockerReachable()) {
    return {
      url: null,
      reason:
        `no RabbitMQ broker at ${maskAddress(url)} (${problem}) and no Docker engine to start one: ` +
        'set AMQP_URL to a broker, or start RabbitMQ (rabbitmq-server -detached), or start Docker',
    };
  }
  try {
    return { url: await startContainer(), reason: null };
  } catch (error) {
    return {
      url: null,
      reason: `no RabbitMQ broker at ${maskAddress(url)} (${problem}), and starting ${RABBITMQ_IMAGE} with Docker failed: ${(error as Error).message}`,
    };
  }
}

/** Returns why the broker at `url` cannot be used, or null when it answers. */
export async function probe(url: string): Promise<string | null> {
  try {
    const conn = await amqp.connect(url, { timeout: PROBE_TIMEOUT_MS });
    await conn.close();
    return null;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  }
}

function dockerReachable(): boolean {
  return Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}

async function startContainer(): Promise<string> {
  // imported lazily: runs without Docker never load testcontainers
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer(RABBITMQ_IMAGE)
    .withExposedPorts(5672)
    .withWaitStrategy(Wait.forLogMessage(/Server startup complete/))
    .start();
  cleanup = async () => void (await container.stop({ remove: true }));
  return `amqp://guest:guest@${container.getHost()}:${container.getMappedPort(5672)}`;
}
