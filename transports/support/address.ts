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

// The user info of a URL as WHATWG parses it: after //, up to the last @ before the first / ? or # (greedy).
const USER_INFO = /\/\/([^\s/?#"'`]*)@/g;

/**
 * The address, or any text quoting addresses (an error message), with every password replaced by ***: for every
 * message, log line and report. Works on text that is no valid URL too (a bad port, an unclosed [::1).
 */
export function maskAddress(text: string): string {
  return text.replace(USER_INFO, (whole, info: string) => {
    const colon = info.indexOf(':');
    return colon < 0 ? whole : `//${info.slice(0, colon)}:***@`; // the user may be empty: redis://:pw@
  });
}

/** Ports of URL schemes that may leave the port out. */
const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443, 'amqp:': 5672, 'amqps:': 5671 };

/** Why `address` is not a usable address of one of `schemes` (a URL with a host and a port), or null when it is. */
export function addressProblem(address: string, schemes: readonly string[]): string | null {
  try {
    const url = parseAddress(address, schemes);
    if (!url.hostname) return `${JSON.stringify(maskAddress(address))} has no host`;
    firstHop(address);
    return null;
  } catch (error) {
    return maskAddress((error as Error).message);
  }
}

/** Host and port of the first hop an address leads to (the server, or the broker): what a relay forwards to. */
export function firstHop(address: string): HostPort {
  const url = new URL(address);
  return hostPort(url, DEFAULT_PORTS[url.protocol]);
}
