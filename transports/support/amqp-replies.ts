// How an AMQP server (amqp, celery) sends its replies without letting one request stop it. A request names its own
// reply address and correlation id, and RabbitMQ takes them as they are: a reply_to or correlation_id over the 255
// bytes of an AMQP short string makes the client library throw, and a reply_to that looks like a direct reply-to
// address but is not one (`amq.rabbitmq.reply-to.g1h2AA==.bogus`) makes RabbitMQ close the whole connection with 541
// INTERNAL_ERROR (measured: the consumer's channel on it closed too). So addresses are checked before use, and replies
// go out on a connection of their own, opened again when the broker closes it: a poison address costs that
// connection (and the replies on it at that moment), never the server's consumer. A reply that cannot be sent is
// counted and logged; its request is acked all the same (it must not come back, nor fill the prefetch).
import type { Channel, ChannelModel, ConfirmChannel, Options } from 'amqplib';

/** AMQP 0-9-1 short strings (reply_to, correlation_id) are at most 255 bytes. */
const SHORTSTR = 255;

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
  /** Replies that could not be sent (a bad address, a broker that closed the connection under them). */
  refused = 0;

  constructor(
    private readonly connect: () => Promise<ChannelModel>,
    private readonly confirms: boolean,
    private readonly who: string,
  ) {}

  /** Sends one reply; rejects with why it could not (ReplyRefused for a request's own bad address). */
  async send(replyTo: unknown, correlationId: unknown, body: Buffer, props: Options.Publish): Promise<void> {
    const problem = replyProblem(replyTo, correlationId);
    if (problem) throw new ReplyRefused(problem);
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
    const open = await this.current?.catch(() => null);
    await open?.conn.close().catch(() => {});
  }
}
