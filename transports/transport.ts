// The one interface a transport adapter implements. An adapter is one file in transports/, listed in
// transports/registry.ts. The harness, the gate and the reporters know none of them by name: what they need
// to know about a transport (its group, its role, whether it is charted) is data, in `traits`.
import type { MethodName, Service } from './contract.ts';
import type { HostPort } from './support/address.ts';

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
  /** Settles with the reason when the server can no longer serve (its broker went away); never, otherwise. */
  failed?: Promise<Error>;
  /**
   * CPU time, µs, of the processes this server started to serve (a reference server's JVM), which the server's own
   * process time does not hold; null once they are gone.
   */
  childCpuUs?(): number | null;
  close(): Promise<void>;
}

export interface ClientHandle {
  /** Resolves with the reply value; rejects with RemoteError, CallTimeoutError or a connection error. */
  call(method: MethodName | string, args: unknown[]): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * What a transport is to the harness:
 * - `harness-floor`: no wire at all; what measuring one call costs (inproc);
 * - `wire-floor`: the least a real network transport costs; the gate's default drift reference (tcp);
 * - `measured`: every other transport.
 */
export type TransportRole = 'harness-floor' | 'wire-floor' | 'measured';

export interface TransportTraits {
  /**
   * The family on the command line: a group name that is not itself a transport means the group's members
   * (`--transports amqp` = its members in the default matrix; `serve --transport amqp` = its first member).
   */
  group?: string;
  /** Part of `npm run bench` when no --transports is given. */
  inDefault: boolean;
  role: TransportRole;
  /** Drawn in charts; the harness floor is left out, being orders of magnitude off any scale. */
  charted: boolean;
  /** The server lives in the bench process: no server process, no bytes on a wire, no --target. */
  inProcess: boolean;
  /** Server processes a bench run starts (competing consumers on one queue). */
  serverProcesses: number;
  /**
   * A choice made by the client alone, so a foreign server of the group serves it alike (e.g. the reply path
   * of RabbitMQ RPC): `--target GROUP=ADDRESS` runs every such member against that server.
   */
  clientSide: boolean;
  /**
   * Who wrote the server a bench run starts for this row, when it is not ours: the reference implementation, with
   * its language and version ("Spring Boot 4.0.7, Spring MVC on Tomcat (Java 17)"). The client is always ours.
   */
  referenceServer?: string;
}

/** What goes on the wire: bytes, or text where the protocol is text (XML, JSON). */
export type Wire = Uint8Array | string;

/**
 * A transport's message encoding, the same functions its client and server run, so that the harness can time
 * them in isolation (the codec column of the report): the request for `method(args)` and the reply carrying
 * `result`, each encoded by one side and decoded by the other. Framing that costs nothing (a length prefix) is left out.
 */
export interface Codec {
  encodeRequest(method: string, args: unknown[]): Wire;
  decodeRequest(method: string, wire: Wire): unknown;
  encodeReply(method: string, result: unknown): Wire;
  decodeReply(method: string, wire: Wire): unknown;
}

/**
 * What is known of a transport without loading it: its line in transports/registry.ts (or a plugin's descriptor).
 * Reading it imports no transport library, so `--help`, `compare` and `merge` load none.
 */
export interface TransportMeta {
  /** CLI name, e.g. `tcp` or `amqp:direct-reply`. */
  name: string;
  summary: string;
  traits: TransportTraits;
  /** Address `serve` uses when none is given; port 0 picks a free port. */
  defaultListen: string;
  /** URL schemes its addresses use (`tcp:`, `http:`, ...): a --target of another scheme is refused before anything starts. */
  schemes: readonly string[];
  /** The variable naming its broker (AMQP_URL, ...), for a brokered transport: checked before anything starts. */
  brokerEnv?: string;
}

/** What a transport's file adds when it is loaded: how it serves and how it calls. */
export interface TransportImpl {
  /** Its message encoding; absent where nothing is encoded (a call inside the process). */
  codec?: Codec;
  /** Absent for a client-only transport (a plugin for a layer served elsewhere): it runs only with --target. */
  serve?(listen: string, service: Service, options: ServerOptions): Promise<ServerHandle>;
  connect(address: string, options: ClientOptions): Promise<ClientHandle>;
  /** Address our own server uses in a bench run, when it differs from defaultListen (amqp: a queue unique to the run). */
  benchListen?(): string;
  /** Gets ready to run (e.g. finds or starts a broker); returns why it cannot run here, or null. Called while planning. */
  prepare?(): Promise<string | null>;
  /** Releases what prepare acquired (e.g. a broker container). Called at the end of a run, also on Ctrl-C. */
  release?(): Promise<void>;
  /**
   * Removes what our server at `listen` keeps on a broker for a restart (a durable queue, a stream with pending
   * entries) once the run that named it is over: a server killed with -9 cannot. Only names the run owns.
   */
  forget?(listen: string): Promise<void>;
  /**
   * Where the broker that carries the calls listens, when that is not the address's first hop (RocketMQ: the address
   * is the NameServer's, and the messages go through the broker it names): whose CPU the report counts as the broker's.
   */
  brokerHop?(address: string): Promise<HostPort>;
  /**
   * The broker's version and the settings of its own that change a call's cost (partitions, replication, flushing,
   * acknowledgements), as one line for the report: what a reader needs to compare this row with another's run.
   */
  describeBroker?(address: string): Promise<string>;
}

/** A loaded transport: its registry line and its file, one object. */
export interface Transport extends TransportMeta, TransportImpl {}

/** The traits of an ordinary transport measured in its own server process; adapters override what differs. */
export const MEASURED: TransportTraits = {
  inDefault: true,
  role: 'measured',
  charted: true,
  inProcess: false,
  serverProcesses: 1,
  clientSide: false,
};

export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
