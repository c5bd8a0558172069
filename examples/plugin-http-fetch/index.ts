// An rpcbench plugin: a transport named `http-fetch`, benchmarked like any built-in row with
//   npx rpcbench bench --plugin examples/plugin-http-fetch/index.ts --transports http-fetch,http
// Its client calls the service with the fetch() that Node has built in (undici underneath), one POST per call to
// /rpc/METHOD with the JSON array of arguments; its server is a small node:http server speaking the same. Replace
// either half with your own RPC layer: the harness needs only what this file exports (see README.md here).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
// Outside this repository, import these from your rpcbench checkout (or `npm install --save-dev /path/to/rpcbench`).
import { CallTimeoutError, RemoteError, type Service, ServiceError } from '../../transports/contract.ts';
import type { ClientHandle, ClientOptions, ServerHandle, ServerOptions, Transport } from '../../transports/transport.ts';

/** The service's failures as the client sees them: the contract's error kind, and its message. */
interface Reply {
  result?: unknown;
  error?: { kind: string; message: string };
}

async function serve(listen: string, service: Service, options: ServerOptions): Promise<ServerHandle> {
  const url = new URL(listen);
  const server = http.createServer((req, res) => void handle(req, res, service, options.maxMessageBytes));
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(Number(url.port), url.hostname, () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    address: `http://${url.hostname}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()).closeAllConnections()),
  };
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse, service: Service, maxBytes: number): Promise<void> {
  const send = (status: number, body: Reply) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const method = req.url?.startsWith('/rpc/') ? req.url.slice(5) : null;
  if (req.method !== 'POST' || !method) return send(404, { error: { kind: 'NameError', message: 'POST /rpc/METHOD' } });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    // a body over the limit is refused, never buffered
    if (size > maxBytes) return send(413, { error: { kind: 'ValueError', message: `request over ${maxBytes} bytes` } });
    chunks.push(chunk as Buffer);
  }
  try {
    const args: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '[]');
    if (!Array.isArray(args)) throw new ServiceError('TypeError', 'the body must be a JSON array of arguments');
    send(200, { result: (await service.handle(method, args)) ?? null });
  } catch (error) {
    const kind = error instanceof ServiceError ? error.kind : 'Error';
    send(400, { error: { kind, message: (error as Error).message } });
  }
}

async function connect(address: string, options: ClientOptions): Promise<ClientHandle> {
  const base = address.replace(/\/$/, '');
  return {
    async call(method, args) {
      let response: Response;
      try {
        // every call has its deadline: fetch is aborted when it passes
        response = await fetch(`${base}/rpc/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(args),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (error) {
        if ((error as Error).name === 'TimeoutError') throw new CallTimeoutError(method, options.timeoutMs);
        throw new Error(`http-fetch: ${base} did not answer: ${(error as Error).message}`);
      }
      const length = Number(response.headers.get('content-length') ?? 0);
      if (length > options.maxMessageBytes) throw new Error(`reply of ${length} bytes exceeds the limit of ${options.maxMessageBytes} bytes`);
      const reply = (await response.json()) as Reply;
      if (reply.error) throw new RemoteError(reply.error.kind, reply.error.message);
      return reply.result;
    },
    close: async () => {},
  };
}

export const httpFetch: Transport = {
  name: 'http-fetch',
  summary: 'example plugin: HTTP/1.1 + JSON, the client on fetch() (undici)',
  // optional: the traits of an ordinary measured transport are assumed (in the default matrix, charted, one server)
  traits: { inDefault: true, role: 'measured', charted: true, inProcess: false, serverProcesses: 1, clientSide: false },
  schemes: ['http:'],
  defaultListen: 'http://127.0.0.1:0',
  serve,
  connect,
};

export default httpFetch;
