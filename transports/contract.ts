// The service contract every transport serves: getObj, sendObj, fib (see README "The service contract").
// Servers call `createService`; the harness builds each call with `callSpec`, which also checks the reply.

export const METHODS = ['getObj', 'sendObj', 'fib'] as const;
export type MethodName = (typeof METHODS)[number];

/**
 * What each call is, as data: whether it carries the payload object (getObj's reply, sendObj's argument), whose size
 * --payload-entries sets. fib carries one number, so it runs once whatever the payload sizes, and is named without one.
 */
export const CALL_TRAITS: Record<MethodName, { payload: boolean }> = {
  getObj: { payload: true },
  sendObj: { payload: true },
  fib: { payload: false },
};

/** fib(35) takes ~100 ms recursively in V8; fib(45) would take minutes, so the contract stops at 35. */
export const MAX_FIB_N = 35;
export const DEFAULT_PAYLOAD_ENTRIES = 100;

export type Obj = Record<string, number>;

/**
 * The contract's errors are told apart by a brand (a registered symbol), not by which copy of this module made them:
 * a plugin that imports them from the installed package, while the harness runs from its own files, throws errors
 * the harness still recognises with `instanceof`.
 */
function branded<T extends abstract new (...args: never[]) => Error>(name: string, cls: T): T {
  const brand = Symbol.for(`rpcbench.${name}`);
  Object.defineProperty(cls.prototype, brand, { value: true });
  Object.defineProperty(cls, Symbol.hasInstance, {
    value: (x: unknown) => typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[brand] === true,
  });
  return cls;
}

/** An error the service reports to its caller. `kind` follows Python's names because the interop peers are Python. */
export const ServiceError = branded(
  'ServiceError',
  class ServiceError extends Error {
    constructor(
      readonly kind: 'ValueError' | 'NameError' | 'TypeError',
      message: string,
    ) {
      super(message);
      this.name = kind;
    }
  },
);
export type ServiceError = InstanceType<typeof ServiceError>;

/** A client-side error carrying what the remote side reported. */
export const RemoteError = branded(
  'RemoteError',
  class RemoteError extends Error {
    constructor(
      readonly kind: string,
      message: string,
    ) {
      super(`${kind}: ${message}`);
      this.name = 'RemoteError';
    }
  },
);
export type RemoteError = InstanceType<typeof RemoteError>;

export const CallTimeoutError = branded(
  'CallTimeoutError',
  class CallTimeoutError extends Error {
    constructor(method: string, timeoutMs: number) {
      super(`${method} timed out after ${timeoutMs} ms`);
      this.name = 'CallTimeoutError';
    }
  },
);
export type CallTimeoutError = InstanceType<typeof CallTimeoutError>;

export function makeObj(prefix: 'server' | 'client', entries: number): Obj {
  const obj: Obj = {};
  for (let i = 0; i < entries; i++) obj[`${prefix}:${i}`] = i;
  return obj;
}

export function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/** Returns a function telling why a value is not `{prefix:i: i}` for i < entries, or null when it is.
 *  Keys are built once: building them per check costs more than a loopback call. */
export function objChecker(prefix: string, entries: number): (obj: unknown) => string | null {
  const keys = Array.from({ length: entries }, (_, i) => `${prefix}:${i}`);
  return (obj) => {
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return `expected an object, got ${describe(obj)}`;
    const rec = obj as Record<string, unknown>;
    let count = 0;
    for (const _ in rec) count++;
    if (count !== entries) return `expected ${entries} entries, got ${count}`;
    for (let i = 0; i < entries; i++) {
      if (rec[keys[i]!] !== i) return `entry ${keys[i]} is ${describe(rec[keys[i]!])}, expected ${i}`;
    }
    return null;
  };
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v).slice(0, 40)}`;
}

/**
 * A caller's value as an error message shows it: JSON, cut at 60 characters, so that no request can make its own
 * error reply larger than itself (a 525 KB argument once made a reply over NATS's max_payload). Written by a walk
 * that stops at the cut and visits at most PREVIEW_NODES values: a value decoded from back-references (Hessian's,
 * a DAG of 505 bytes) is small in memory but vast as text, and JSON.stringify of it once took 20 s and 713 MB.
 */
export function quoted(v: unknown): string {
  const out: string[] = [];
  let length = 0;
  let nodes = 0;
  let cut = false;
  const emit = (text: string) => {
    if (cut) return;
    out.push(text);
    length += text.length;
    if (length > PREVIEW_CHARS) cut = true;
  };
  const walk = (x: unknown, depth: number): void => {
    if (cut) return;
    if (++nodes > PREVIEW_NODES || depth > PREVIEW_DEPTH) {
      cut = true;
      return;
    }
    if (x === null || typeof x !== 'object') {
      emit(JSON.stringify(x) ?? String(x));
      return;
    }
    const entries = Array.isArray(x) ? x.map((e) => [null, e] as const) : Object.entries(x).map(([k, e]) => [k, e] as const);
    emit(Array.isArray(x) ? '[' : '{');
    entries.forEach(([k, e], i) => {
      if (cut) return;
      if (i) emit(',');
      if (k !== null) emit(`${JSON.stringify(k)}:`);
      walk(e, depth + 1);
    });
    emit(Array.isArray(x) ? ']' : '}');
  };
  walk(v, 0);
  const s = out.join('');
  return cut ? `${s.slice(0, PREVIEW_CHARS)}… (longer)` : s;
}

const PREVIEW_CHARS = 60;
const PREVIEW_NODES = 200;
const PREVIEW_DEPTH = 32;

export function checkFibN(n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_FIB_N) {
    throw new ServiceError('ValueError', `fib(n) needs an integer 0 <= n <= ${MAX_FIB_N}, got ${quoted(n)}`);
  }
  return n;
}

export interface ServiceOptions {
  payloadEntries: number;
  /** Busy-wait per call, simulating handler work (also how a slowdown is injected on purpose). */
  serverWorkUs: number;
}

export interface Service {
  /** Runs one call; throws (or rejects with) ServiceError for a bad call. Async only for long server work. */
  handle(method: string, args: readonly unknown[]): unknown | Promise<unknown>;
  readonly options: ServiceOptions;
}

export function createService(options: ServiceOptions): Service {
  const obj = makeObj('server', options.payloadEntries);
  const checkClientObj = objChecker('client', options.payloadEntries);
  const handlers: Record<MethodName, (args: readonly unknown[]) => unknown> = {
    getObj: () => obj,
    sendObj: (args) => {
      const problem = checkClientObj(args[0]);
      if (problem) throw new ServiceError('ValueError', `sendObj: ${problem}`);
      return null;
    },
    fib: (args) => fib(checkFibN(args[0])),
  };
  return {
    options,
    handle(method, args) {
      if (!Object.hasOwn(handlers, method)) throw new ServiceError('NameError', `unknown method ${quoted(method)}`);
      const handler = handlers[method as MethodName];
      if (options.serverWorkUs > LONG_WORK_US) return busyWaitSliced(options.serverWorkUs).then(() => handler(args));
      if (options.serverWorkUs > 0) busyWaitUs(options.serverWorkUs);
      return handler(args);
    },
  };
}

/** Work longer than this is done in slices, so the server still answers protocol heartbeats meanwhile
 *  (ZeroRPC peers give up after two silent 5 s intervals). Shorter work blocks, as a CPU-bound handler does. */
const LONG_WORK_US = 50_000;
const SLICE_US = 10_000;

function busyWaitUs(us: number): void {
  const end = performance.now() + us / 1000;
  while (performance.now() < end);
}

async function busyWaitSliced(us: number): Promise<void> {
  for (let left = us; left > 0; left -= SLICE_US) {
    busyWaitUs(Math.min(SLICE_US, left));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export interface CallSpec {
  method: MethodName;
  args: unknown[];
  /** Returns why a reply is wrong, or null when it is right. */
  check(reply: unknown): string | null;
  /** The reply the server sends: what a codec's reply encoding is timed with. */
  result: unknown;
  /** JSON size of the application data each way: the floor for bytes on the wire. */
  payloadBytes: { request: number; response: number };
}

/** What the client sends for `method` and how it checks the reply. Built once per cell, outside any timed loop. */
export function callSpec(method: MethodName, opts: { payloadEntries: number; fibN: number }): CallSpec {
  const jsonBytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));
  switch (method) {
    case 'getObj': {
      const check = objChecker('server', opts.payloadEntries);
      const result = makeObj('server', opts.payloadEntries);
      return { method, args: [], check, result, payloadBytes: { request: 2, response: jsonBytes(result) } };
    }
    case 'sendObj': {
      const obj = makeObj('client', opts.payloadEntries);
      const check = (r: unknown) => (r === null || r === undefined ? null : `expected null, got ${quoted(r)}`);
      return { method, args: [obj], check, result: null, payloadBytes: { request: jsonBytes([obj]), response: 4 } };
    }
    case 'fib': {
      checkFibN(opts.fibN);
      const expected = fib(opts.fibN);
      const check = (r: unknown) => (r === expected ? null : `fib(${opts.fibN}) should be ${expected}, got ${quoted(r)}`);
      return { method, args: [opts.fibN], check, result: expected, payloadBytes: { request: jsonBytes([opts.fibN]), response: jsonBytes(expected) } };
    }
  }
}
