// redis: RPC over Redis (ioredis 6) as a work queue with reply lists. Two rows, because they differ in what a
// crash costs and in what that costs per call:
//   redis          requests LPUSHed onto a list, taken by the server in batches with BLMPOP ... COUNT 64 (Redis 7):
//                  one round trip brings up to 64 requests, so the server is not held to one request per round
//                  trip, as BRPOP or the reliable BLMOVE pattern (one request per pop, plus an LREM) would hold it.
//                  A server that crashes loses the batch in its hands (as amqp:auto-ack does).
//   redis:streams  requests XADDed to a stream, read by a consumer group (XREADGROUP ... COUNT 64) and XACKed
//                  only after the reply is written: a crashed server's requests stay pending, and the next server
//                  to start claims them (XAUTOCLAIM, after 10 s idle, checked every 5 s). The acks are the cost.
// Requests are taken by a Lua script that checks each one's size inside Redis: one over the limit is dropped
// (with a log line) without being read, so a hostile request cannot take the server's memory (a 512 MB one once
// stopped it: V8 has no string that long). Only the wait of an idle server pops one request natively, as a Buffer.
// Replies: each client has its own list, which its own connection waits on (BLMPOP); a reply carries the
// request's id. The message format is the broker envelope (support/envelope.ts, documented in the README).
// Keys are named rpcbench:<run id>:... and deleted at the end; a reply list also expires after 10 minutes,
// so a client that died cannot leave one behind for good.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Service } from './contract.ts';
import { maskAddress, parseAddress, withParam } from './support/address.ts';
import { BROKERS, brokerFinder, probeReason } from './support/broker.ts';
import { answer, decodeReply, decodeRequest, encode, encodeReply, envelopeCodec, outcome, type RequestEnvelope } from './support/envelope.ts';
import { PendingCalls } from './support/pending.ts';
import { RUN_ID } from './support/run-id.ts';
import type { ClientHandle, ClientOptions, ServerHandle, ServerOptions, TransportImpl } from './transport.ts';

export const OWN_PREFIX = 'rpcbench:';
/** Every key this process names (a SCAN pattern): what a caller that broke a connection on purpose removes. */
export const OWN_KEYS = `${OWN_PREFIX}${RUN_ID}:*`;
export const DEFAULT_QUEUE = 'rpcbench:rpc';
const BATCH = 64;
const GROUP = 'rpcbench';
const REPLY_TTL_SEC = 600;
const CLAIM_IDLE_MS = 10_000;
const CLAIM_EVERY_MS = CLAIM_IDLE_MS / 2;

/** What the take scripts put in place of a request over the size limit: NUL, then its size (no request is that). */
const OVERSIZE = '\0';
// Each script replaces every value over ARGV[1] bytes by OVERSIZE..size, so that it never leaves Redis; in a stream
// entry, its field names too (issue 32: a 512 MB field name, not bounded, came out whole and ended the server).
const BOUND = `local function bound(v) if #v > tonumber(ARGV[1]) then return '\\0' .. #v end return v end
local function entries(es) for _, e in ipairs(es) do if e[2] then for i = 1, #e[2] do e[2][i] = bound(e[2][i]) end end end return es end`;
export const TAKE_SCRIPTS = {
  /** list: up to ARGV[2] requests off the tail (oldest first), or none. */
  takeList: `${BOUND}
local vs = redis.call('RPOP', KEYS[1], ARGV[2]) if not vs then return {} end
for i, v in ipairs(vs) do vs[i] = bound(v) end return vs`,
  /** streams: up to ARGV[2] new entries for consumer ARGV[4] of group ARGV[3], without blocking. */
  takeStream: `${BOUND}
local r = redis.call('XREADGROUP', 'GROUP', ARGV[3], ARGV[4], 'COUNT', ARGV[2], 'STREAMS', KEYS[1], '>')
if not r then return {} end return entries(r[1][2])`,
  /** streams: up to ARGV[2] entries idle ARGV[5] ms or more, claimed for consumer ARGV[4] (XAUTOCLAIM). */
  claimStream: `${BOUND}
local r = redis.call('XAUTOCLAIM', KEYS[1], ARGV[3], ARGV[4], ARGV[5], '0-0', 'COUNT', ARGV[2])
local es = {} for _, e in ipairs(r[2]) do if e then es[#es + 1] = e end end return entries(es)`,
};
type StreamEntry = [string, string[]];
interface Scripted {
  takeList(key: string, max: number, count: number): Promise<string[]>;
  takeStream(key: string, max: number, count: number, group: string, consumer: string): Promise<StreamEntry[]>;
  claimStream(key: string, max: number, count: number, group: string, consumer: string, idleMs: number): Promise<StreamEntry[]>;
}

function scripted(r: Redis): Scripted {
  for (const [name, lua] of Object.entries(TAKE_SCRIPTS)) r.defineCommand(name, { numberOfKeys: 1, lua });
  return r as unknown as Scripted;
}

export const redisBroker = brokerFinder(BROKERS.redis, async (url) => {
  const r = new Redis(url, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    await r.connect();
    await r.ping();
    return null;
  } catch (error) {
    return probeReason(error);
  } finally {
    r.disconnect();
  }
});

type Kind = 'list' | 'streams';

/** The redis or redis:streams row. */
export function redisKind(kind: Kind) {
  const name = kind === 'list' ? 'redis' : 'redis:streams';
  return {
    codec: envelopeCodec,
    benchListen: () => `${redisBroker.url()}?queue=${OWN_PREFIX}${RUN_ID}:${name}`,
    prepare: () => redisBroker.prepare(),
    release: () => redisBroker.release(),
    forget,
    serve: (listen: string, service: Service, options: ServerOptions) => serve(listen, service, options, kind),
    connect: (address: string, options: ClientOptions) => connect(address, options, kind),
  } satisfies TransportImpl;
}

interface RedisAddress {
  url: string;
  masked: string;
  queue: string;
}

/** redis://[user:pass@]host:port[/db]?queue=KEY (queue defaults to rpcbench:rpc, which the Python peers use too). */
function parseRedisAddress(address: string): RedisAddress {
  const url = parseAddress(address, ['redis:', 'rediss:']);
  const queue = url.searchParams.get('queue') || DEFAULT_QUEUE;
  url.searchParams.delete('queue');
  return { url: url.href, masked: maskAddress(withParam(address, 'queue', queue)), queue };
}

/**
 * A connection that never reconnects or queues commands while down: a lost broker fails the calls in flight at
 * once, with the reason, instead of leaving them to time out.
 */
async function connection(address: RedisAddress, timeoutMs: number, onLost: (why: Error) => void): Promise<Redis> {
  const r = new Redis(address.url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  let lastError = '';
  r.on('error', (e: Error) => {
    lastError = e.message;
  });
  try {
    await r.connect();
  } catch (error) {
    throw new Error(`cannot connect to Redis at ${address.masked}: ${probeReason(error)} (set REDIS_URL to a reachable broker)`);
  }
  // the database the address names, for sure: a Redis with fewer refuses it, and that is said, not passed over
  const db = Number(new URL(address.url).pathname.slice(1) || 0);
  try {
    await r.select(db);
  } catch (error) {
    r.disconnect();
    throw new Error(`Redis at ${address.masked} refused database ${db}: ${(error as Error).message} (the path of REDIS_URL is the database number)`);
  }
  r.on('end', () => onLost(new Error(`Redis at ${address.masked} closed the connection${lastError ? `: ${lastError}` : ''}`)));
  return r;
}

// ---- server ----

/** A request taken from the queue: its envelope (or OVERSIZE and its size), and its stream id to XACK. */
interface Taken {
  raw: string;
  id?: string;
}

const fromEntry = ([id, fields]: StreamEntry): Taken => ({ id, raw: fields[1] ?? '' });

/** A request an idle server's wait popped natively (a Buffer: a value of any size fits), bounded like the rest. */
const bounded = (raw: Buffer | undefined, max: number): string => (!raw ? '' : raw.byteLength > max ? `${OVERSIZE}${raw.byteLength}` : raw.toString('utf8'));

async function serve(listen: string, service: Service, options: ServerOptions, kind: Kind): Promise<ServerHandle> {
  const address = parseRedisAddress(listen);
  let closing = false;
  let failedWith: (e: Error) => void = () => {};
  const failed = new Promise<Error>((resolve) => {
    failedWith = (e) => !closing && resolve(e);
  });
  const cmd = await connection(address, 10_000, (e) => failedWith(e));
  const blocking = await connection(address, 10_000, (e) => failedWith(e));
  const consumer = `server-${randomBytes(4).toString('hex')}`;
  if (kind === 'streams') await createGroup(cmd, address.queue);

  const max = options.maxMessageBytes;
  const scripts = scripted(blocking);
  const take = async (): Promise<Taken[]> => {
    if (kind === 'list') {
      const batch = await scripts.takeList(address.queue, max, BATCH);
      if (batch.length) return batch.map((raw) => ({ raw }));
      // nothing waiting: block for the next request (one, read natively, so that waiting costs no polling)
      const popped = (await blocking.callBuffer('BLMPOP', '1', '1', address.queue, 'RIGHT', 'COUNT', '1')) as [Buffer, Buffer[]] | null;
      return popped ? [{ raw: bounded(popped[1][0], max) }] : [];
    }
    const batch = await scripts.takeStream(address.queue, max, BATCH, GROUP, consumer);
    if (batch.length) return batch.map(fromEntry);
    const read = (await blocking.xreadgroupBuffer('GROUP', GROUP, consumer, 'COUNT', 1, 'BLOCK', 1000, 'STREAMS', address.queue, '>')) as Array<
      [Buffer, Array<[Buffer, Buffer[]]>]
    > | null;
    return (read?.[0]?.[1] ?? []).map(([id, fields]) => ({ id: id.toString(), raw: bounded(fields[1], max) }));
  };
  /** streams: requests a crashed server took and never acked, idle long enough to be sure it is gone. */
  const reclaim = async (): Promise<Taken[]> => (await scripts.claimStream(address.queue, max, 1000, GROUP, consumer, CLAIM_IDLE_MS)).map(fromEntry);

  const handle = async (batch: Taken[]) => {
    const pipe = cmd.pipeline();
    await Promise.all(batch.map((t) => reply(t, service, options, pipe)));
    for (const t of batch) if (t.id) pipe.xack(address.queue, GROUP, t.id).xdel(address.queue, t.id);
    await pipe.exec();
  };

  const loop = (async () => {
    // streams: reclaimed at start and every 5 s after, so a request a crashed server held is answered within
    // about 15 s, however soon its successor started (once at start lost those not yet idle for 10 s)
    let claimedAt = 0;
    while (!closing) {
      if (kind === 'streams' && Date.now() - claimedAt >= CLAIM_EVERY_MS) {
        claimedAt = Date.now();
        await handle(await reclaim());
      }
      const batch = await take();
      if (batch.length) await handle(batch);
    }
  })().catch((error: Error) => failedWith(new Error(`the Redis server loop stopped: ${error.message}`)));

  return {
    address: withParam(listen, 'queue', address.queue),
    failed,
    async close() {
      closing = true;
      blocking.disconnect(); // ends the blocking pop at once
      await loop;
      if (address.queue.startsWith(OWN_PREFIX)) await cmd.del(address.queue).catch(() => {});
      cmd.disconnect();
    },
  };
}

/** The run's own request key (a stream keeps a killed server's pending entries for its restart), deleted. */
async function forget(listen: string): Promise<void> {
  const address = parseRedisAddress(listen);
  if (!address.queue.startsWith(OWN_PREFIX)) return;
  const r = await connection(address, 5000, () => {}).catch(() => null);
  if (!r) return;
  await r.del(address.queue).catch(() => {});
  r.disconnect();
}

/** The consumer group, made once; a later server finds it there (BUSYGROUP). */
async function createGroup(cmd: Redis, queue: string): Promise<void> {
  try {
    await cmd.xgroup('CREATE', queue, GROUP, '0', 'MKSTREAM');
  } catch (error) {
    if (!/BUSYGROUP/.test((error as Error).message)) throw error;
  }
}

/** Answers one request into the pipeline; a malformed one is dropped with a log line (and still acked). */
async function reply(t: Taken, service: Service, options: ServerOptions, pipe: ReturnType<Redis['pipeline']>): Promise<void> {
  let request: RequestEnvelope;
  try {
    if (t.raw.startsWith(OVERSIZE)) throw new Error(`a request of ${t.raw.slice(1)} bytes exceeds the limit of ${options.maxMessageBytes} bytes`);
    request = decodeRequest(t.raw, options.maxMessageBytes);
    if (!request.reply_to || request.id === undefined) throw new Error('a Redis request needs "id" and "reply_to"');
  } catch (error) {
    return void console.error(`redis: dropping a malformed request: ${(error as Error).message}`);
  }
  pipe.lpush(request.reply_to, encodeReply(await answer(service, request), options.maxMessageBytes)).expire(request.reply_to, REPLY_TTL_SEC);
}

// ---- client ----

async function connect(address: string, options: ClientOptions, kind: Kind): Promise<ClientHandle> {
  const target = parseRedisAddress(address);
  const pending = new PendingCalls<string>(options.timeoutMs);
  let closed: Error | null = null;
  let closing = false;
  const lost = (e: Error) => {
    closed ??= e;
    pending.rejectAll(closed);
  };
  const cmd = await connection(target, Math.min(options.timeoutMs, 10_000), lost);
  const blocking = await connection(target, Math.min(options.timeoutMs, 10_000), lost).catch((e) => {
    cmd.disconnect();
    throw e;
  });
  const clientId = randomBytes(6).toString('hex');
  const replyKey = `${OWN_PREFIX}${RUN_ID}:reply:${clientId}`;
  const loop = (async () => {
    while (!closed) {
      const popped = (await blocking.call('BLMPOP', '1', '1', replyKey, 'RIGHT', 'COUNT', '256')) as [string, string[]] | null;
      for (const raw of popped?.[1] ?? []) settle(raw, pending, options.maxMessageBytes);
    }
  })().catch((error: Error) => lost(new Error(`Redis reply loop stopped: ${error.message}`)));
  let nextId = 0;
  return {
    call(method, args) {
      if (closed || closing) return Promise.reject(closed ?? new Error('client closed'));
      const id = `${clientId}:${nextId++}`;
      const reply = pending.add(id, method);
      const body = encode({ id, method, args, reply_to: replyKey });
      const sent = kind === 'list' ? cmd.lpush(target.queue, body) : cmd.xadd(target.queue, 'MAXLEN', '~', '100000', '*', 'request', body);
      sent.catch((e: Error) => pending.reject(id, new Error(`Redis at ${target.masked} refused the request: ${e.message}`)));
      return reply;
    },
    async close() {
      // A server may still be answering: take the replies on their way (for a moment) before deleting the
      // reply list, or a reply pushed after the delete would leave the list behind until it expires.
      closing = true;
      if (!closed) await pending.drained(1000);
      closed ??= new Error('client closed');
      pending.rejectAll(closed);
      blocking.disconnect();
      await loop;
      await cmd.del(replyKey).catch(() => {});
      cmd.disconnect();
    },
  };
}

function settle(raw: string, pending: PendingCalls<string>, maxBytes: number): void {
  try {
    const reply = decodeReply(raw, maxBytes);
    if (typeof reply.id !== 'string') throw new Error('a reply without "id"');
    const o = outcome(reply);
    if (o.ok) pending.resolve(reply.id, o.value);
    else pending.reject(reply.id, o.error);
  } catch (error) {
    console.error(`redis: dropping a malformed reply: ${(error as Error).message}`);
  }
}
