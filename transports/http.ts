// http: HTTP/1.1 + JSON, keep-alive, one POST per call to /rpc/METHOD with the JSON array of arguments.
//   200 {"result": value}   4xx {"error": {"kind", "message"}}
import type http from 'node:http';
import { RemoteError, type Service, ServiceError } from './contract.ts';
import { parseAddress } from './support/address.ts';
import { errorPayload } from './support/errors.ts';
import { BodyTooLargeError, httpClient, readBody, serveHttp } from './support/http.ts';
import type { ClientHandle, ClientOptions, Codec, ServerHandle, ServerOptions, TransportImpl, Wire } from './transport.ts';

const text = (wire: Wire) => (typeof wire === 'string' ? wire : Buffer.from(wire).toString('utf8'));

/** The bodies: the JSON array of arguments, and {"result": value}. */
const jsonCodec: Codec = {
  encodeRequest: (_method, args) => JSON.stringify(args),
  decodeRequest: (_method, wire) => JSON.parse(text(wire)),
  encodeReply: (_method, result) => JSON.stringify({ result }),
  decodeReply: (_method, wire) => (JSON.parse(text(wire)) as { result: unknown }).result,
};

export const httpJson = { codec: jsonCodec, serve, connect } satisfies TransportImpl;

function serve(listen: string, service: Service, options: ServerOptions): Promise<ServerHandle> {
  return serveHttp(listen, '', (req, res) => void handle(req, res, service, options));
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse, service: Service, options: ServerOptions) {
  const method = req.url?.startsWith('/rpc/') ? req.url.slice(5) : null;
  if (req.method !== 'POST' || !method) return reply(res, 404, { error: { kind: 'NotFound', message: 'POST /rpc/METHOD' } });
  try {
    const body = await readBody(req, options.maxMessageBytes, true);
    const args: unknown = body.length ? JSON.parse(body.toString('utf8')) : [];
    if (!Array.isArray(args)) throw new ServiceError('TypeError', 'the body must be a JSON array of arguments');
    reply(res, 200, { result: (await service.handle(method, args)) ?? null });
  } catch (error) {
    const status = error instanceof BodyTooLargeError ? 413 : error instanceof ServiceError && error.kind === 'NameError' ? 404 : 400;
    reply(res, status, { error: errorPayload(error) });
  }
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) }).end(json);
}

async function connect(address: string, options: ClientOptions): Promise<ClientHandle> {
  const url = parseAddress(address, ['http:']);
  const client = httpClient(url, options);
  const base = url.pathname.replace(/\/$/, '');
  return {
    async call(method, args) {
      const reply = await client.post(`${base}/rpc/${method}`, JSON.stringify(args), 'application/json', method);
      const parsed = JSON.parse(reply.body.toString('utf8')) as { result?: unknown; error?: { kind: string; message: string } };
      if (parsed.error) throw new RemoteError(parsed.error.kind, parsed.error.message);
      return parsed.result;
    },
    close: () => client.close(),
  };
}
