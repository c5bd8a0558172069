// nats: core NATS request-reply with @nats-io/transport-node 3 (the maintained client line; the older `nats` 2.x
// package is its legacy API, and 3.x, though one of its dependencies asks for Node 22 in its engines, runs on
// Node 20 and is tested here). The client requests on a subject and gets the reply on its own inbox (one muxed
// subscription for all calls in flight); servers subscribe in a queue group, so several share the load. Nothing
// is persisted, so there is nothing to clean up beyond the subscriptions. A request nobody subscribes to fails
// at once ("no responders"), never waits for its timeout. Message format: the broker envelope (support/envelope.ts).
import { ClosedConnectionError, type Msg, type NatsConnection, connect as natsConnect, RequestError, TimeoutError } from '@nats-io/transport-node';
import { CallTimeoutError, type Service } from './contract.ts';
import { credentials, hostPort, maskAddress, parseAddress, withParam } from './support/address.ts';
import { BROKERS, brokerFinder, probeReason } from './support/broker.ts';
import { answer, decodeReply, decodeRequest, encode, encodeReply, envelopeCodec, outcome } from './support/envelope.ts';
import { RUN_ID } from './support/run-id.ts';
import type { ClientHandle, ClientOptions, ServerHandle, ServerOptions, TransportImpl } from './transport.ts';

export const DEFAULT_SUBJECT = 'rpcbench.rpc';
const QUEUE_GROUP = 'rpcbench';

interface NatsAddress {
  servers: string;
  user?: string;
  pass?: string;
  /** nats://TOKEN@host: a user info of one word is NATS's token (its own URL form), not a user without a password. */
  token?: string;
  masked: string;
  subject: string;
}

/** nats://[user:pass@]host:port?subject=NAME (subject defaults to rpcbench.rpc). */
function parseNatsAddress(address: string): NatsAddress {
  const url = parseAddress(address, ['nats:']);
  const { host, port } = hostPort(url, 4222);
  return {
    servers: `${host.includes(':') ? `[${host}]` : host}:${port}`,
    ...credentialsOf(url),
    masked: maskAddress(withParam(address, 'subject', url.searchParams.get('subject') || DEFAULT_SUBJECT)),
    subject: url.searchParams.get('subject') || DEFAULT_SUBJECT,
  };
}

function credentialsOf(url: URL): Pick<NatsAddress, 'user' | 'pass' | 'token'> {
  if (!url.username) return {};
  const { user, password } = credentials(url);
  return url.password === '' ? { token: user } : { user, pass: password };
}

/** No reconnect: a lost broker fails the calls in flight with the reason, and ends a server (which says why). */
async function open(address: NatsAddress, timeoutMs: number): Promise<NatsConnection> {
  try {
    const auth = address.token === undefined ? { user: address.user, pass: address.pass } : { token: address.token };
    // noAsyncTraces: with its default, nats.js makes two Errors a request (a RequestError and a TimeoutError, for their
    // stacks, thrown away when the reply comes), 37 µs of our client's CPU a call (81.5 against 44.5 µs, a request and
    // its answer in one process, 8 alternating rounds of 5,000 at 16 in flight): the cost of our load generator, not
    // of NATS. Our own errors say what failed without those stacks.
    return await natsConnect({ servers: address.servers, ...auth, reconnect: false, timeout: timeoutMs, name: 'rpcbench', noAsyncTraces: true });
  } catch (error) {
    throw new Error(`cannot connect to NATS at ${address.masked}: ${probeReason(error)} (set NATS_URL to a reachable server)`);
  }
}

export const natsBroker = brokerFinder(BROKERS.nats, async (url) => {
  try {
    const nc = await open(parseNatsAddress(url), 3000);
    await nc.close();
    return null;
  } catch (error) {
    return (error as Error).message;
  }
});

export const nats = {
  codec: envelopeCodec,
  benchListen: () => `${natsBroker.url()}?subject=rpcbench.${RUN_ID}.nats`,
  prepare: () => natsBroker.prepare(),
  release: () => natsBroker.release(),
  serve,
  connect,
} satisfies TransportImpl;

async function serve(listen: string, service: Service, options: ServerOptions): Promise<ServerHandle> {
  const address = parseNatsAddress(listen);
  const nc = await open(address, 10_000);
  let closing = false;
  const failed = nc.closed().then((error) => {
    if (closing) return new Promise<Error>(() => {});
    return new Error(`NATS at ${address.masked} closed the connection${error ? `: ${error.message}` : ''}`);
  });
  const onRequest = async (msg: Msg) => {
    let request: ReturnType<typeof decodeRequest>;
    try {
      request = decodeRequest(msg.data, options.maxMessageBytes);
    } catch (error) {
      return void console.error(`nats: dropping a malformed request: ${(error as Error).message}`);
    }
    if (!msg.reply) return;
    // NATS refuses a message over the server's max_payload, and respond() throws: bound the reply to it
    const limit = Math.min(options.maxMessageBytes, nc.info?.max_payload ?? Number.MAX_SAFE_INTEGER);
    try {
      msg.respond(encodeReply(await answer(service, request), limit));
    } catch (error) {
      console.error(`nats: could not reply to ${msg.reply}: ${(error as Error).message}`);
    }
  };
  nc.subscribe(address.subject, { queue: QUEUE_GROUP, callback: (error, msg) => (error ? console.error(`nats: ${error.message}`) : void onRequest(msg)) });
  await nc.flush(); // subscribed on the server before anyone is told we listen
  return {
    address: withParam(listen, 'subject', address.subject),
    failed,
    async close() {
      closing = true;
      await nc.close().catch(() => {});
    },
  };
}

async function connect(address: string, options: ClientOptions): Promise<ClientHandle> {
  const target = parseNatsAddress(address);
  const nc = await open(target, Math.min(options.timeoutMs, 10_000));
  let closed: Error | null = null;
  void nc.closed().then((error) => {
    closed ??= new Error(`NATS at ${target.masked} closed the connection${error ? `: ${error.message}` : ''}`);
  });
  return {
    async call(method, args) {
      if (closed) throw closed;
      let msg: Msg;
      try {
        msg = await nc.request(target.subject, encode({ method, args }), { timeout: options.timeoutMs });
      } catch (error) {
        throw requestError(error, method, options.timeoutMs, target, closed);
      }
      const o = outcome(decodeReply(msg.data, options.maxMessageBytes));
      if (!o.ok) throw o.error;
      return o.value;
    },
    async close() {
      closed ??= new Error('client closed');
      await nc.close().catch(() => {});
    },
  };
}

function requestError(error: unknown, method: string, timeoutMs: number, target: NatsAddress, closed: Error | null): Error {
  if (closed) return closed;
  if (error instanceof TimeoutError || (error as Error).cause instanceof TimeoutError) return new CallTimeoutError(method, timeoutMs);
  if (error instanceof RequestError && error.isNoResponders())
    return new Error(`no server subscribes to ${JSON.stringify(target.subject)} on NATS at ${target.masked}`);
  // the calls in flight fail before the connection's own closed() settles
  if (error instanceof ClosedConnectionError || /connection closed/i.test((error as Error).message))
    return new Error(`NATS at ${target.masked} closed the connection`);
  return new Error(`NATS request failed: ${(error as Error).message}`);
}
