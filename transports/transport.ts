// The one interface a transport adapter implements. An adapter is one file in transports/,
// listed in transports/registry.ts; the harness knows none of them by name.
import type { MethodName, Service } from './contract.ts';

export interface ServerOptions {
  /** Largest request the server decodes; bigger ones are rejected, never buffered without bound. */
  maxMessageBytes: number;
}

export interface ClientOptions {
  /** Every call fails with CallTimeoutError after this long. */
  timeoutMs: number;
  maxMessageBytes: number;
}

export interface ServerHandle {
  /** Where clients connect, in the form `connect` takes (the real port when listening on port 0). */
  address: string;
  close(): Promise<void>;
}

export interface ClientHandle {
  /** Resolves with the reply value; rejects with RemoteError, CallTimeoutError or a connection error. */
  call(method: MethodName | string, args: unknown[]): Promise<unknown>;
  close(): Promise<void>;
}

export interface Transport {
  /** CLI name, e.g. `tcp` or `amqp:direct-reply`. */
  name: string;
  summary: string;
  /** Address `serve` uses when none is given; port 0 picks a free port. */
  defaultListen: string;
  /** False for in-process transports: no wire to count, no server process. */
  wire: boolean;
  /** Server processes a bench run starts (competing consumers on a queue); default 1. */
  serverProcesses?: number;
  serve(listen: string, service: Service, options: ServerOptions): Promise<ServerHandle>;
  connect(address: string, options: ClientOptions): Promise<ClientHandle>;
  /** Address our own server uses in a bench run, when it differs from defaultListen (amqp: a queue unique to the run). */
  benchListen?(): string;
  /** Gets ready to run (e.g. finds or starts a broker); returns why it cannot run here, or null. Called while planning. */
  prepare?(): Promise<string | null>;
  /** Releases what prepare acquired (e.g. a broker container). Called at the end of a run, also on Ctrl-C. */
  release?(): Promise<void>;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
