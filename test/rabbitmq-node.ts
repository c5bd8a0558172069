// A second, private RabbitMQ node for tests that restart or break a broker: its own node name, ports, data and log
// directories, no plugins. The shared broker on 5672 is never touched. Removed (stopped, files deleted) by stop().
import { execFile, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../transports/support/sockets.ts';
import { portAnswers } from './helpers.ts';

const run = promisify(execFile);

export interface RabbitNode {
  port: number;
  /** amqp://USER:PASSWORD@127.0.0.1:PORT */
  url(user?: string, password?: string): string;
  /** Stops the node and starts it again on the same data: durable queues and persistent messages come back. */
  restart(): Promise<void>;
  /** rabbitmqctl against this node only. */
  ctl(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/** Why a private node cannot be started here (for a test's skip), or false. */
export function rabbitNodeMissing(): string | false {
  return spawnSync('sh', ['-c', 'command -v rabbitmq-server && command -v rabbitmqctl']).status === 0
    ? false
    : 'rabbitmq-server is not installed here (apt-get install rabbitmq-server): no private broker node can be started';
}

export async function startRabbitNode(): Promise<RabbitNode> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rpcbench-rabbit-'));
  chmodSync(dir, 0o777); // Debian's rabbitmq-server drops root for the rabbitmq user, who must write here
  const port = await freePort();
  const name = `rpcbench-test-${process.pid}-${port}@localhost`;
  writeFileSync(path.join(dir, 'enabled_plugins'), '[].\n');
  writeFileSync(path.join(dir, 'rabbitmq.conf'), `listeners.tcp.default = 127.0.0.1:${port}\nloopback_users = none\n`);
  const env = {
    ...process.env,
    RABBITMQ_NODENAME: name,
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(await freePort()),
    RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: path.join(dir, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, 'enabled_plugins'),
    RABBITMQ_CONFIG_FILE: path.join(dir, 'rabbitmq.conf'),
    RABBITMQ_PID_FILE: path.join(dir, 'pid'),
  };
  const ctlWithin = async (timeoutMs: number, ...args: string[]) => (await run('rabbitmqctl', ['-n', name, ...args], { env, timeout: timeoutMs })).stdout;
  const ctl = (...args: string[]) => ctlWithin(60_000, ...args);
  // a node boots in about 5 s on a quiet machine; three test files beside it, a fresh clone's took 33 s from its first
  // log line and about 60 s in all, just past a wait of 60 s (q37): 150 s is that with headroom
  const waitSec = 150;
  const start = async () => {
    spawn('rabbitmq-server', ['-detached'], { env, stdio: 'ignore' }).unref();
    await ctlWithin((waitSec + 10) * 1000, 'wait', '--timeout', String(waitSec), env.RABBITMQ_PID_FILE);
    for (let i = 0; i < 120 && !(await portAnswers(port)); i++) await new Promise((r) => setTimeout(r, 250));
    if (!(await portAnswers(port))) throw new Error(`the private RabbitMQ node did not listen on ${port} within 30 s (logs in ${dir})`);
  };
  /** Stops our node: rabbitmqctl, else SIGKILL to the pid in its own pid file. True when it is gone. */
  const stopNode = async (): Promise<boolean> => {
    if (
      await ctl('stop', env.RABBITMQ_PID_FILE).then(
        () => true,
        () => false,
      )
    )
      return true;
    const pid = Number(existsSync(env.RABBITMQ_PID_FILE) ? readFileSync(env.RABBITMQ_PID_FILE, 'utf8') : NaN);
    if (!Number.isInteger(pid) || pid <= 0) return !(await portAnswers(port));
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
    return !(await portAnswers(port));
  };
  try {
    await start();
  } catch (e) {
    await stopNode(); // a node that started half-way must not outlive the test; its logs stay in dir
    throw e;
  }
  return {
    port,
    url: (user = 'guest', password = 'guest') => `amqp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    async restart() {
      await stopNode();
      await start();
    },
    ctl,
    async stop() {
      // the data directory goes only with the node: a node that would not stop keeps its logs for whoever looks
      if (await stopNode()) rmSync(dir, { recursive: true, force: true });
      else throw new Error(`the private RabbitMQ node ${name} would not stop; its files are in ${dir}`);
    },
  };
}
