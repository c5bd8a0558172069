// Addresses are URLs for every transport (tcp://, http://, amqp://, inproc://), so the harness can
// rewrite host and port generically, e.g. to route a client through the byte-counting relay.

export interface HostPort {
  host: string;
  port: number;
}

export function parseAddress(address: string, protocols: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new Error(`bad address ${JSON.stringify(maskAddress(address))}: expected a URL like ${protocols[0]}//127.0.0.1:4242`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new Error(`bad address ${JSON.stringify(maskAddress(address))}: expected ${protocols.join(' or ')}//HOST:PORT`);
  }
  return url;
}

export function hostPort(url: URL, defaultPort?: number): HostPort {
  const port = url.port === '' ? defaultPort : Number(url.port);
  if (port === undefined || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`bad address ${maskAddress(url.href)}: needs a port`);
  }
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}

/** The same address with another host and port (for relays and for reporting the real port of port 0). */
export function withHostPort(address: string, target: HostPort): string {
  const url = new URL(address);
  url.hostname = target.host.includes(':') ? `[${target.host}]` : target.host;
  url.port = String(target.port);
  return url.href;
}

/** The address with its query parameter `key` set to `value` where it has none: how a server names its queue. */
export function withParam(address: string, key: string, value: string): string {
  const url = new URL(address);
  if (url.searchParams.get(key)) return address;
  // appended as written (a topic's slashes, a key's colons), escaping only what would end the parameter
  return `${address}${url.search ? '&' : '?'}${key}=${value.replace(/[&#%+ ]/g, encodeURIComponent)}`;
}

/** Where a URL's user info may start: right after `scheme://`. */
const AUTHORITY = /[a-z][a-z0-9+.-]*:\/\//gi;
/** What follows the `@` that ends the user info: a host (a name, an IPv4 address, or an IPv6 one in brackets). */
const HOST_AFTER = /^(\[[0-9a-f:.]+\]|[a-z0-9_-][a-z0-9_.-]*)/i;

/**
 * Any text quoting addresses (an error message, a log line, a report) with every URL's user info masked: `user:***@`
 * where it has a password, `***@` where it is one word (a NATS token, a bare secret). The user info runs from
 * `scheme://` to the last `@` before the next `scheme://` (or the end) that a host follows, whatever lies between:
 * a password may hold a raw `/`, `#`, space or quote, which WHATWG's parser would cut elsewhere (issue 32: `u:pw/s@h`
 * leaked). A line may hold several URLs. Masking too much (an `@` in a later word) is the error it prefers.
 */
export function maskAddress(text: string): string {
  const schemes = [...text.matchAll(AUTHORITY)];
  if (!schemes.length) return text;
  let out = text.slice(0, schemes[0]!.index);
  schemes.forEach((m, i) => {
    // this URL's text: from after its `scheme://` to where the next URL's scheme begins
    const start = m.index! + m[0].length;
    const segment = text.slice(start, schemes[i + 1]?.index ?? text.length);
    const at = userInfoEnd(segment);
    const info = segment.slice(0, Math.max(0, at));
    const colon = info.indexOf(':');
    const masked = at < 0 ? segment : `${colon < 0 ? '***' : `${info.slice(0, colon)}:***`}${segment.slice(at)}`; // the user may be empty: redis://:pw@
    out += m[0] + masked;
  });
  return out;
}

/** Where a URL's user info ends: the last `@` a host follows, with no line break before it; -1 for none. */
function userInfoEnd(segment: string): number {
  for (let k = segment.lastIndexOf('@'); k >= 0; k = segment.lastIndexOf('@', k - 1)) {
    if (HOST_AFTER.test(segment.slice(k + 1)) && !/[\r\n]/.test(segment.slice(0, k))) return k;
  }
  return -1;
}

/** A URL's user and password, percent-decoded; a bad escape is the user's mistake (bad input), never a URIError. */
export function credentials(url: URL): { user: string; password: string } {
  try {
    return { user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
  } catch {
    throw new Error(`bad address ${JSON.stringify(maskAddress(url.href))}: its user or password is not valid percent-encoding (write % as %25)`);
  }
}

/** Ports of URL schemes that may leave the port out. */
const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443, 'amqp:': 5672, 'amqps:': 5671, 'kafka:': 9092, 'rocketmq:': 9876 };

/** Why `address` is not a usable address of one of `schemes` (a URL with a host and a port), or null when it is. */
export function addressProblem(address: string, schemes: readonly string[]): string | null {
  try {
    const url = parseAddress(address, schemes);
    if (!url.hostname) return `${JSON.stringify(maskAddress(address))} has no host`;
    credentials(url);
    firstHop(address);
    return pathProblem(url);
  } catch (error) {
    return maskAddress((error as Error).message);
  }
}

/** Host and port of the first hop an address leads to (the server, or the broker): what a relay forwards to. */
export function firstHop(address: string): HostPort {
  const url = new URL(address);
  return hostPort(url, DEFAULT_PORTS[url.protocol]);
}

/** Redis's path is the database number: /0 to /N (a Redis has 16 unless configured for more). */
function pathProblem(url: URL): string | null {
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return null;
  const path = url.pathname.replace(/^\//, '');
  if (path === '' || /^\d{1,6}$/.test(path)) return null;
  return `${JSON.stringify(maskAddress(url.href))}: its path is the database number (/0 to /15 on a default Redis), not ${JSON.stringify(path.slice(0, 20))}`;
}
