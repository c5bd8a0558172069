// How an AMQP server (amqp, celery) sends its replies without letting one request stop it. A request names its own
// reply address and correlation id, and RabbitMQ takes them as they are: a reply_to or correlation_id over the 255
// bytes of an AMQP short string makes the client library throw, and a reply_to that looks like a direct reply-to
// address but is not one (`amq.rabbitmq.reply-to.g1h2AA==.bogus`) makes RabbitMQ close the whole connection with 541
// INTERNAL_ERROR, and with it every reply written after the bogus one (measured: a client's reply sent right behind
// it never came, a fresh-clone CI timed it out at 20 s). So addresses are checked before use: a direct reply-to
// address once, by a passive declare on a connection kept for such checks (RabbitMQ's documented way to ask whether
// its client is still there; a bogus one costs that connection only), and replies go out on a connection of their
// own, opened again when the broker closes it all the same. A reply that cannot be sent is counted and logged; its
// request is acked all the same (it must not come back, nor fill the prefetch).
import type { Channel, ChannelModel, ConfirmChannel, Options } from 'amqplib';
import { deadline } from './deadline.ts';

/** AMQP 0-9-1 short strings (reply_to, correlation_id) are at most 255 bytes. */
const SHORTSTR = 255;
/** RabbitMQ's direct reply-to: an address under this prefix names a client's channel, encoded. */
const DIRECT_REPLY_TO = 'amq.rabbitmq.reply-to.';
/** Direct reply-to addresses remembered as checked: one per client channel, bounded against a flood of new ones. */
const KNOWN_MAX = 10_000;
/** How long a check may take before its reply is given up. */
const CHECK_MS = 10_000;

export class ReplyRefused extends Error {}

/** Why a request's reply address or correlation id cannot be used, or null. */
export function replyProblem(replyTo: unknown, correlationId: unknown): string | null {
  if (typeof replyTo !== 'string' || replyTo === '') return 'no reply_to';
  if (Buffer.byteLength(replyTo) > SHORTSTR) return `a reply_to of ${Buffer.byteLength(replyTo)} bytes (at most ${SHORTSTR})`;
  if ([...replyTo].some((ch) => ch < ' ' || ch === '\ufffd')) return 'a reply_to with control or undecodable bytes';
  if (correlationId !== undefined && typeof correlationId !== 'string') return 'a correlation_id that is not a string';
  if (typeof correlationId === 'string' && Buffer.byteLength(correlationId) > SHORTSTR)
    return `a correlation_id of ${Buffer.byteLength(correlationId)} bytes (at most ${SHORTSTR})`;
  return null;
}

/** Replies on a connection of their own, reopened when the broker closes it. */
export class ReplySender {
  private current: Promise<{ conn: ChannelModel; ch: Channel | ConfirmChannel }> | null = null;
  private closed = false;
  private readonly direct: DirectReplyCheck;
  /** Replies that could not be sent (a bad address, a broker that closed the connection under them). */
  refused = 0;

  constructor(
    private readonly connect: () => Promise<ChannelModel>,
    private readonly confirms: boolean,
    private readonly who: string,
  ) {
    this.direct = new DirectReplyCheck(connect);
  }

  /** Sends one reply; rejects with why it could not (ReplyRefused for a request's own bad address). */
  async send(replyTo: unknown, correlationId: unknown, body: Buffer, props: Options.Publish): Promise<void> {
    const problem = replyProblem(replyTo, correlationId);
    if (problem) throw new ReplyRefused(problem);
    if ((replyTo as string).startsWith(DIRECT_REPLY_TO)) await this.direct.check(replyTo as string);
    const { ch } = await this.channel();
    const all = { ...props, ...(correlationId === undefined ? {} : { correlationId: correlationId as string }) };
    if (!this.confirms) return void ch.publish('', replyTo as string, body, all);
    await new Promise<void>((resolve, reject) =>
      (ch as ConfirmChannel).publish('', replyTo as string, body, all, (err) => (err ? reject(new Error('the broker refused (nacked) the reply')) : resolve())),
    );
  }

  /** Counts and logs a reply that could not be sent. */
  refuse(why: string): void {
    this.refused++;
    console.error(`${this.who}: dropping the reply of a request: ${why} (${this.refused} so far); the request is acked`);
  }

  private channel(): Promise<{ conn: ChannelModel; ch: Channel | ConfirmChannel }> {
    if (this.closed) return Promise.reject(new Error('closed'));
    this.current ??= this.open();
    return this.current;
  }

  private async open(): Promise<{ conn: ChannelModel; ch: Channel | ConfirmChannel }> {
    try {
      const conn = await this.connect();
      const ch = this.confirms ? await conn.createConfirmChannel() : await conn.createChannel();
      const lost = (why: string) => {
        if (this.closed) return;
        this.current = null;
        console.error(`${this.who}: the reply connection closed (${why}); the next reply opens another`);
      };
      conn.on('error', () => {});
      ch.on('error', () => {});
      conn.on('close', (err?: Error) => lost(err?.message ?? 'closed'));
      ch.on('close', () => lost('its channel closed'));
      return { conn, ch };
    } catch (error) {
      this.current = null;
      throw error;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.direct.close();
    const open = await this.current?.catch(() => null);
    await open?.conn.close().catch(() => {});
  }
}

/**
 * Whether RabbitMQ knows a direct reply-to address, asked once per address by a passive declare. Checks go one at a
 * time: a bogus address closes the checking connection, which must not fail another address's check with it.
 */
class DirectReplyCheck {
  private readonly known = new Set<string>();
  private conn: ChannelModel | null = null;
  private turn: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly connect: () => Promise<ChannelModel>) {}

  /** Resolves when RabbitMQ knows `address`; rejects with ReplyRefused when it does not. */
  check(address: string): Promise<void> {
    if (this.known.has(address)) return Promise.resolve();
    const mine = this.turn.then(() => this.ask(address));
    this.turn = mine.catch(() => {});
    return mine;
  }

  private async ask(address: string): Promise<void> {
    if (this.known.has(address)) return;
    this.conn ??= await this.open();
    const ch = await this.conn.createChannel();
    ch.on('error', () => {});
    try {
      await deadline(ch.checkQueue(address), CHECK_MS, () => new Error(`no answer within ${CHECK_MS / 1000} s`));
    } catch (error) {
      this.drop(); // a bogus address closed it; one that timed out may be stuck
      throw new ReplyRefused(`a direct reply-to address RabbitMQ does not know (${(error as Error).message})`);
    }
    await ch.close().catch(() => {});
    this.known.add(address);
    if (this.known.size > KNOWN_MAX) this.known.delete(this.known.values().next().value as string);
  }

  private async open(): Promise<ChannelModel> {
    const conn = await this.connect();
    conn.on('error', () => {});
    conn.on('close', () => {
      if (this.conn === conn) this.conn = null;
    });
    if (this.closed) {
      await conn.close().catch(() => {});
      throw new Error('closed');
    }
    return conn;
  }

  private drop(): void {
    this.conn?.close().catch(() => {});
    this.conn = null;
  }

  close(): void {
    this.closed = true;
    this.drop();
  }
}
