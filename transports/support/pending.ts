// Calls in flight on a multiplexed connection, matched by id, each with a deadline.
// One sweeping interval serves all calls: a timer per call would cost more than a loopback call.
import { CallTimeoutError } from '../contract.ts';

interface Entry {
  method: string;
  started: number;
  deadline: number;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class PendingCalls<Id = number> {
  private readonly entries = new Map<Id, Entry>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly timeoutMs: number) {}

  get size(): number {
    return this.entries.size;
  }

  add(id: Id, method: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const now = performance.now();
      this.entries.set(id, { method, started: now, deadline: now + this.timeoutMs, resolve, reject });
      this.sweeper ??= setInterval(() => this.sweep(), Math.min(250, Math.max(10, this.timeoutMs / 4))).unref();
    });
  }

  /** Returns false when no call has this id (a late reply after a timeout, or a stray one). */
  resolve(id: Id, value: unknown): boolean {
    const entry = this.take(id);
    entry?.resolve(value);
    return entry !== undefined;
  }

  reject(id: Id, error: Error): boolean {
    const entry = this.take(id);
    entry?.reject(error);
    return entry !== undefined;
  }

  /** Ids of calls in flight for at least `ms` (e.g. those that are owed a protocol heartbeat). */
  idsOlderThan(ms: number): Id[] {
    const cutoff = performance.now() - ms;
    return [...this.entries].filter(([, e]) => e.started <= cutoff).map(([id]) => id);
  }

  has(id: Id): boolean {
    return this.entries.has(id);
  }

  /** Resolves when no call is in flight, or after `ms`: lets replies already on their way arrive before a close. */
  async drained(ms: number): Promise<void> {
    const until = performance.now() + ms;
    while (this.entries.size > 0 && performance.now() < until) await new Promise((r) => setTimeout(r, 5));
  }

  rejectAll(error: Error): void {
    for (const entry of this.entries.values()) entry.reject(error);
    this.entries.clear();
    this.stop();
  }

  private take(id: Id): Entry | undefined {
    const entry = this.entries.get(id);
    if (entry) this.entries.delete(id);
    return entry;
  }

  private sweep(): void {
    const now = performance.now();
    for (const [id, entry] of this.entries) {
      if (entry.deadline <= now) {
        this.entries.delete(id);
        entry.reject(new CallTimeoutError(entry.method, this.timeoutMs));
      }
    }
  }

  stop(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}
