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
import { errorPayload } from './support/errors.ts';
import { BodyTooLargeError, readBody, serveHttp } from './support/http.ts';
import { type ClientHandle, type ClientOptions, type Codec, MEASURED, type ServerHandle, type ServerOptions, type Transport, type Wire } from './transport.ts';
import { FAULT_BAD_CALL, FAULT_NO_METHOD, FAULT_PARSE, remoteError } from './xmlrpc.ts';

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

export const xmlrpcPackage: Transport = {
  name: 'xmlrpc:package',
  summary: 'XML-RPC over HTTP/1.1 with the xmlrpc npm package (its client and sax-based codec)',
  traits: { ...MEASURED, group: 'xmlrpc' },
  codec: packageCodec,
  defaultListen: 'http://127.0.0.1:0',
  schemes: ['http:'],
  serve,
  connect,
};

function serve(listen: string, service: Service, options: ServerOptions): Promise<ServerHandle> {
  return serveHttp(listen, '/RPC2', (req, res) => void handle(req, res, service, options));
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse, service: Service, options: ServerOptions) {
  if (req.method !== 'POST') return void res.writeHead(405, { allow: 'POST' }).end();
  let body: Buffer;
  try {
    body = await readBody(req, options.maxMessageBytes, true);
  } catch (error) {
    return void res.writeHead(error instanceof BodyTooLargeError ? 413 : 400).end();
  }
  new Deserializer().deserializeMethodCall(Readable.from([body.toString('utf8')]), (error, method, params) => {
    if (error) return send(res, Serializer.serializeFault({ faultCode: FAULT_PARSE, faultString: `parse error: ${error.message}` }));
    void callToXml(service, method, params).then((xml) => send(res, xml));
  });
}

async function callToXml(service: Service, method: string, params: unknown[]): Promise<string> {
  try {
    return Serializer.serializeMethodResponse((await service.handle(method, params)) ?? null);
  } catch (error) {
    const { kind, message } = errorPayload(error);
    // Python's server formats faults as "<class 'X'>:message"; ours reads "X: message", which the client below parses back.
    return Serializer.serializeFault({ faultCode: kind === 'NameError' ? FAULT_NO_METHOD : FAULT_BAD_CALL, faultString: `${kind}: ${message}` });
  }
}

function send(res: http.ServerResponse, xml: string): void {
  res.writeHead(200, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(xml) }).end(xml);
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
