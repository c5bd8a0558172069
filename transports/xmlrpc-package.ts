// xmlrpc:package: XML-RPC with the `xmlrpc` npm package's client and (de)serializer, kept as a row so that a user
// of that package sees what it costs beside our own codec (transports/xmlrpc.ts): the same documents and faults,
// read by the package's sax-based deserializer. The server is node's http server plus the package's
// (de)serializer rather than xmlrpc.createServer, because that one answers an unknown method with a bare 404
// (Python expects a fault) and reads bodies of any size. The package's client reads replies of any size:
// --max-message-bytes cannot apply to it.
import http from 'node:http';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import xmlrpcLib from 'xmlrpc';
import { CallTimeoutError, type Service } from './contract.ts';
import { hostPort, parseAddress } from './support/address.ts';
import type { ClientHandle, ClientOptions, Codec, ServerHandle, ServerOptions, TransportImpl, Wire } from './transport.ts';
import { remoteError, serveXmlRpc } from './xmlrpc.ts';

const require = createRequire(import.meta.url);
const Serializer = require('xmlrpc/lib/serializer.js') as {
  serializeMethodCall(method: string, params: unknown[]): string;
  serializeMethodResponse(value: unknown): string;
  serializeFault(fault: { faultCode: number; faultString: string }): string;
};
const Deserializer = require('xmlrpc/lib/deserializer.js') as new () => {
  deserializeMethodCall(stream: Readable, cb: (error: Error | null, method: string, params: unknown[]) => void): void;
};

/** What the package's deserializer needs to be driven synchronously (as its stream would, minus the stream). */
interface SyncDeserializer {
  callback: (error: Error | null, result: unknown[]) => void;
  parser: { write(xml: string): void; end(): void };
  type: string | null;
  methodname: string | null;
}

/** The package's codec, its sax parser fed the whole document at once: the cost of its parsing, without stream overhead. */
function deserialize(xml: string): { type: string | null; methodname: string | null; result: unknown[] } {
  const d = new Deserializer() as unknown as SyncDeserializer;
  let out: unknown[] = [];
  d.callback = (error, result) => {
    if (error) throw error;
    out = result;
  };
  d.parser.write(xml);
  d.parser.end();
  return { type: d.type, methodname: d.methodname, result: out };
}

const text = (wire: Wire) => (typeof wire === 'string' ? wire : Buffer.from(wire).toString('utf8'));

const packageCodec: Codec = {
  encodeRequest: (method, args) => Serializer.serializeMethodCall(method, args),
  decodeRequest: (_method, wire) => deserialize(text(wire)),
  encodeReply: (_method, result) => Serializer.serializeMethodResponse(result),
  decodeReply: (_method, wire) => deserialize(text(wire)).result[0],
};

export const xmlrpcPackage = { codec: packageCodec, serve, connect } satisfies TransportImpl;

/** Our XML-RPC server (transports/xmlrpc.ts) reading and writing its documents with the package's (de)serializer. */
function serve(listen: string, service: Service, options: ServerOptions): Promise<ServerHandle> {
  return serveXmlRpc(listen, service, options, {
    readCall: (xml) =>
      new Promise((resolve, reject) =>
        new Deserializer().deserializeMethodCall(Readable.from([xml]), (error, method, params) => (error ? reject(error) : resolve({ method, params }))),
      ),
    writeResponse: (value) => Serializer.serializeMethodResponse(value),
    writeFault: (fault) => Serializer.serializeFault(fault),
  });
}

async function connect(address: string, options: ClientOptions): Promise<ClientHandle> {
  const url = parseAddress(address, ['http:']);
  const { host, port } = hostPort(url, 80);
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const clientOptions: http.RequestOptions & { signal?: AbortSignal } = { host, port, path: url.pathname || '/', agent };
  const client = xmlrpcLib.createClient(clientOptions as Parameters<typeof xmlrpcLib.createClient>[0]);
  return {
    call: (method, args) =>
      new Promise((resolve, reject) => {
        // The package passes its options object to http.request synchronously inside methodCall,
        // so a fresh signal set just before the call applies to this call only.
        clientOptions.signal = AbortSignal.timeout(options.timeoutMs);
        client.methodCall(method, args, (error: unknown, value: unknown) =>
          error ? reject(toClientError(error as Error, method, options.timeoutMs)) : resolve(value),
        );
      }),
    close: async () => agent.destroy(),
  };
}

function toClientError(error: Error & { faultCode?: number; faultString?: string }, method: string, timeoutMs: number): Error {
  if (error.name === 'AbortError' || error.name === 'TimeoutError') return new CallTimeoutError(method, timeoutMs);
  return error.faultCode === undefined ? error : remoteError(error.faultCode, error.faultString ?? '');
}
