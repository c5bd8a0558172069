// XML-RPC documents (http://xmlrpc.com/spec.md), written as Python's xmlrpc.client writes them and read with a
// streaming parser (saxes), so a call's XML costs tens of microseconds, not milliseconds.
//
// Types, both ways: int/i4 (also i1, i2, i8, biginteger read; integers beyond 32 bits written as i8, which Python
// reads), boolean, string (and untyped <value>text</value>), double (also float, bigdecimal read; nan and inf as
// Python writes them), dateTime.iso8601 (a UTC Date), base64 (a Buffer), struct, array, nil (and ex:nil), and
// faults. Safety: no DTD at all (so no external entities and no entity expansion: a billion-laughs document is
// refused at its <!DOCTYPE>), only XML's five predefined entities and character references, a nesting limit,
// and the caller's size limit on the document.
import { SaxesParser } from 'saxes';

export class XmlRpcError extends Error {}

export const MAX_DEPTH = 64;

export interface Fault {
  faultCode: number;
  faultString: string;
}

export type Response = { kind: 'ok'; value: unknown } | { kind: 'fault'; fault: Fault };

// ---- writing ----

const escapeText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function isoDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}T${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/** int within 32 bits, i8 for other exact integers (Python reads it), double for the rest (1e300 is a float to Python). */
function writeNumber(n: number): string {
  if (Number.isSafeInteger(n)) return n >= -0x80000000 && n <= 0x7fffffff ? `<int>${n}</int>` : `<i8>${n}</i8>`;
  return `<double>${Number.isNaN(n) ? 'nan' : n === Infinity ? 'inf' : n === -Infinity ? '-inf' : String(n)}</double>`;
}

/** One <value>, built as an array of parts joined once: faster than growing a string. */
function writeValue(v: unknown, out: string[], depth: number): void {
  if (depth > MAX_DEPTH) throw new XmlRpcError(`value nested deeper than ${MAX_DEPTH}`);
  out.push('<value>');
  if (v === null || v === undefined) out.push('<nil/>');
  else if (typeof v === 'number') out.push(writeNumber(v));
  else if (typeof v === 'string') out.push('<string>', escapeText(v), '</string>');
  else if (typeof v === 'boolean') out.push(v ? '<boolean>1</boolean>' : '<boolean>0</boolean>');
  else if (typeof v === 'bigint') out.push(`<i8>${v}</i8>`);
  else if (v instanceof Date) out.push('<dateTime.iso8601>', isoDate(v), '</dateTime.iso8601>');
  else if (v instanceof Uint8Array) out.push('<base64>', Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64'), '</base64>');
  else if (Array.isArray(v)) {
    out.push('<array><data>');
    for (const item of v) writeValue(item, out, depth + 1);
    out.push('</data></array>');
  } else if (typeof v === 'object') {
    out.push('<struct>');
    for (const [k, item] of Object.entries(v)) {
      out.push('<member><name>', escapeText(k), '</name>');
      writeValue(item, out, depth + 1);
      out.push('</member>');
    }
    out.push('</struct>');
  } else throw new XmlRpcError(`cannot write a ${typeof v} in XML-RPC`);
  out.push('</value>');
}

function params(values: readonly unknown[], out: string[]): void {
  out.push('<params>');
  for (const v of values) {
    out.push('<param>');
    writeValue(v, out, 0);
    out.push('</param>');
  }
  out.push('</params>');
}

export function writeCall(method: string, args: readonly unknown[]): string {
  const out = ["<?xml version='1.0'?>\n<methodCall><methodName>", escapeText(method), '</methodName>'];
  params(args, out);
  out.push('</methodCall>\n');
  return out.join('');
}

export function writeResponse(value: unknown): string {
  const out = ["<?xml version='1.0'?>\n<methodResponse>"];
  params([value], out);
  out.push('</methodResponse>\n');
  return out.join('');
}

export function writeFault(fault: Fault): string {
  const out = ["<?xml version='1.0'?>\n<methodResponse><fault>"];
  writeValue(fault, out, 0);
  out.push('</fault></methodResponse>\n');
  return out.join('');
}

// ---- reading ----

const INT = new Set(['int', 'i4', 'i1', 'i2', 'i8', 'biginteger']);
const DOUBLE = new Set(['double', 'float', 'bigdecimal']);
const SCALAR = new Set([...INT, ...DOUBLE, 'boolean', 'string', 'dateTime.iso8601', 'base64']);
const NIL = new Set(['nil', 'ex:nil']);

/** A <value> being read: its type (null until a type element opens: untyped text is a string), text and result. */
interface ValueFrame {
  type: string | null;
  text: string;
  result: unknown;
  /** The member name waiting for this value, when it is a struct's. */
  member: string | null;
}

function scalar(type: string, text: string): unknown {
  if (INT.has(type)) {
    const t = text.trim();
    if (!/^[+-]?\d+$/.test(t)) throw new XmlRpcError(`<${type}> holds ${JSON.stringify(t.slice(0, 40))}, not an integer`);
    return Number(t);
  }
  if (DOUBLE.has(type)) {
    const t = text.trim().toLowerCase();
    const n = t === 'nan' ? Number.NaN : t === 'inf' || t === '+inf' ? Infinity : t === '-inf' ? -Infinity : Number(t);
    if (t === '' || (Number.isNaN(n) && t !== 'nan')) throw new XmlRpcError(`<${type}> holds ${JSON.stringify(t.slice(0, 40))}, not a number`);
    return n;
  }
  if (type === 'boolean') {
    const t = text.trim();
    if (t !== '0' && t !== '1') throw new XmlRpcError(`<boolean> holds ${JSON.stringify(t.slice(0, 40))}, not 0 or 1`);
    return t === '1';
  }
  if (type === 'dateTime.iso8601') return parseDate(text.trim());
  if (type === 'base64') return Buffer.from(text.replace(/\s+/g, ''), 'base64');
  return text;
}

function parseDate(t: string): Date {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):?(\d{2}):?(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(t);
  if (!m) throw new XmlRpcError(`<dateTime.iso8601> holds ${JSON.stringify(t.slice(0, 40))}`);
  const [, y, mo, d, h, mi, s, zone] = m;
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${zone ? zone.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2') : 'Z'}`);
  if (Number.isNaN(date.getTime())) throw new XmlRpcError(`<dateTime.iso8601> holds an impossible date ${JSON.stringify(t)}`);
  return date;
}

/** Sets a struct member without ever touching the object's prototype (a member named __proto__ is data). */
function setMember(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

interface Document {
  root: string;
  methodName: string | null;
  params: unknown[];
  fault: unknown;
}

/** Reads a methodCall or methodResponse. Throws XmlRpcError for anything that is not well-formed XML-RPC. */
function readDocument(xml: string): Document {
  const doc: Document = { root: '', methodName: null, params: [], fault: undefined };
  const path: string[] = [];
  const values: ValueFrame[] = [];
  let text = '';
  const parser = new SaxesParser({ position: false });
  let failure: Error | null = null;
  parser.on('error', (e) => {
    failure ??= e;
  });
  parser.on('doctype', () => {
    throw new XmlRpcError('a DOCTYPE is not allowed in XML-RPC (no DTDs, no entity definitions)');
  });
  parser.on('opentag', (tag) => {
    if (path.length === 0 && tag.name !== 'methodCall' && tag.name !== 'methodResponse') {
      throw new XmlRpcError(`the root element is <${tag.name}>, not <methodCall> or <methodResponse>`);
    }
    if (path.length === 0) doc.root = tag.name;
    path.push(tag.name);
    text = '';
    openInValue(tag.name, values);
  });
  parser.on('text', (t) => {
    text += t;
  });
  parser.on('closetag', (tag) => {
    const name = tag.name;
    path.pop();
    const top = values.at(-1);
    if (name === 'value') {
      if (top!.type === null) top!.text = text; // <value>text</value>: a string
      closeValue(values, doc, path);
    } else if (top && name === top.type) top.text = text;
    else if (top?.type === 'struct' && name === 'name') top.member = text;
    else if (name === 'methodName' && path.length === 1) doc.methodName = text.trim();
  });
  parser.write(xml).close();
  if (failure) throw new XmlRpcError(`not well-formed XML: ${(failure as Error).message}`);
  return doc;
}

/** What an element opening inside a <value> means; anything XML-RPC does not allow there is an error. */
function openInValue(name: string, values: ValueFrame[]): void {
  const top = values.at(-1);
  if (name === 'value') {
    if (top && top.type !== 'array' && top.type !== 'struct') throw new XmlRpcError(`a <value> inside <${top.type ?? 'value'}>`);
    if (values.length >= MAX_DEPTH) throw new XmlRpcError(`values nested deeper than ${MAX_DEPTH}`);
    values.push({ type: null, text: '', result: undefined, member: null });
  } else if (!top) return;
  else if (top.type === null) {
    if (!SCALAR.has(name) && !NIL.has(name) && name !== 'struct' && name !== 'array') throw new XmlRpcError(`unknown XML-RPC type <${name}>`);
    top.type = name;
    if (name === 'struct') top.result = {};
    if (name === 'array') top.result = [];
  } else if (top.type === 'struct' ? name !== 'member' && name !== 'name' : top.type === 'array' ? name !== 'data' : true) {
    throw new XmlRpcError(`<${top.type}> cannot contain <${name}>`);
  }
}

function closeValue(values: ValueFrame[], doc: Document, path: string[]): void {
  const frame = values.pop()!;
  const value =
    frame.type === null
      ? frame.text
      : NIL.has(frame.type)
        ? null
        : frame.type === 'struct' || frame.type === 'array'
          ? frame.result
          : scalar(frame.type, frame.text);
  const parent = values.at(-1);
  if (parent?.type === 'array') (parent.result as unknown[]).push(value);
  else if (parent?.type === 'struct') {
    if (parent.member === null) throw new XmlRpcError('a struct <member> without a <name>');
    setMember(parent.result as Record<string, unknown>, parent.member, value);
    parent.member = null;
  } else if (parent) throw new XmlRpcError(`a <value> inside a <${parent.type ?? 'value'}>`);
  else if (path.at(-1) === 'fault') doc.fault = value;
  else if (path.at(-1) === 'param') doc.params.push(value);
  else throw new XmlRpcError(`a <value> directly inside <${path.at(-1) ?? 'nothing'}>`);
}

/** A methodCall's method name and parameters. */
export function readCall(xml: string): { method: string; params: unknown[] } {
  const doc = readDocument(xml);
  if (doc.root !== 'methodCall') throw new XmlRpcError(`expected a <methodCall>, got <${doc.root || 'nothing'}>`);
  if (!doc.methodName) throw new XmlRpcError('the <methodCall> has no <methodName>');
  return { method: doc.methodName, params: doc.params };
}

/** A methodResponse's value, or its fault. */
export function readResponse(xml: string): Response {
  const doc = readDocument(xml);
  if (doc.root !== 'methodResponse') throw new XmlRpcError(`expected a <methodResponse>, got <${doc.root || 'nothing'}>`);
  if (doc.fault !== undefined) {
    const f = doc.fault as Partial<Fault> | null;
    if (!f || typeof f.faultCode !== 'number' || typeof f.faultString !== 'string') throw new XmlRpcError('a <fault> without faultCode and faultString');
    return { kind: 'fault', fault: { faultCode: f.faultCode, faultString: f.faultString } };
  }
  if (doc.params.length !== 1) throw new XmlRpcError(`a <methodResponse> carries one param, got ${doc.params.length}`);
  return { kind: 'ok', value: doc.params[0] };
}
