// grpc: gRPC with @grpc/grpc-js, the service in transports/idl/rpcbench.proto loaded at run time by
// @grpc/proto-loader. Chosen by measurement over protobufjs static code: the same bytes (1,490 for the getObj reply)
// and the same cost (tinybench: 17.8 vs 17.4 µs to encode it, 21.8 vs 21.9 µs to decode it), with no code to generate.
// Unary calls, many streams in flight on one HTTP/2 connection. Errors map to status codes both ways: ValueError and
// TypeError are INVALID_ARGUMENT, NameError (an unknown method) UNIMPLEMENTED; the contract's kind also travels in
// the trailing metadata (x-rpcbench-kind), so it comes back exactly from our server and by its code from others.

import type http2 from 'node:http2';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { CallTimeoutError, RemoteError, type Service } from './contract.ts';
import { hostPort, parseAddress } from './support/address.ts';
import { errorPayload } from './support/errors.ts';
import { boundServer, SESSION_BOUNDS } from './support/http2-bounds.ts';
import type { ClientHandle, ClientOptions, Codec, ServerHandle, ServerOptions, TransportImpl, Wire } from './transport.ts';

const PROTO = fileURLToPath(new URL('./idl/rpcbench.proto', import.meta.url));
// longs as numbers: the contract's values are plain numbers (fib(35) and every entry fit in 53 bits)
const definition = protoLoader.loadSync(PROTO, { longs: Number, defaults: true });
const service = definition['rpcbench.Rpcbench'] as grpc.ServiceDefinition;
const KIND_KEY = 'x-rpcbench-kind';

/** The contract's calls as the proto names them, and how their arguments and results map to its messages. */
const CALLS: Record<string, { rpc: string; request(args: unknown[]): unknown; result(reply: unknown): unknown }> = {
  getObj: { rpc: 'GetObj', request: () => ({}), result: (r) => (r as { entries: unknown }).entries },
  sendObj: { rpc: 'SendObj', request: (args) => ({ entries: args[0] }), result: () => null },
  fib: { rpc: 'Fib', request: (args) => ({ n: args[0] }), result: (r) => (r as { value: number }).value },
};

const bytes = (wire: Wire) => (typeof wire === 'string' ? Buffer.from(wire) : Buffer.from(wire.buffer, wire.byteOffset, wire.byteLength));
const methodOf = (method: string) => service[CALLS[method]!.rpc]!;

/** The codec: protobuf messages as grpc-js serializes them (the 5-byte gRPC message prefix costs nothing and is left out). */
const grpcCodec: Codec = {
  encodeRequest: (method, args) => methodOf(method).requestSerialize(CALLS[method]!.request(args)),
  decodeRequest: (method, wire) => methodOf(method).requestDeserialize(bytes(wire)),
  encodeReply: (method, result) => methodOf(method).responseSerialize(method === 'getObj' ? { entries: result } : method === 'fib' ? { value: result } : {}),
  decodeReply: (method, wire) => CALLS[method]!.result(methodOf(method).responseDeserialize(bytes(wire))),
};

export const grpcJs = { codec: grpcCodec, serve, connect } satisfies TransportImpl;

const limits = (maxMessageBytes: number) => ({ 'grpc.max_receive_message_length': maxMessageBytes, 'grpc.max_send_message_length': maxMessageBytes });

/** A failed call as gRPC reports it: the status its kind maps to, and the kind itself in the trailers. */
function statusOf(error: unknown): Partial<grpc.StatusObject> {
  const { kind, message } = errorPayload(error);
  const code =
    kind === 'NameError' ? grpc.status.UNIMPLEMENTED : kind === 'ValueError' || kind === 'TypeError' ? grpc.status.INVALID_ARGUMENT : grpc.status.UNKNOWN;
  const metadata = new grpc.Metadata();
  metadata.set(KIND_KEY, kind);
  return { code, details: message, metadata };
}

async function serve(listen: string, contract: Service, options: ServerOptions): Promise<ServerHandle> {
  const { host, port } = hostPort(parseAddress(listen, ['grpc:']));
  const server = new grpc.Server({
    ...limits(options.maxMessageBytes),
    'grpc.max_concurrent_streams': SESSION_BOUNDS.maxConcurrentStreams,
    'grpc-node.max_session_memory': SESSION_BOUNDS.sessionMemoryMb(options.maxMessageBytes),
  });
  boundServersOf(server);
  const handlers = Object.fromEntries(
    Object.entries(CALLS).map(([method, c]) => [
      c.rpc,
      (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        const args = method === 'getObj' ? [] : method === 'sendObj' ? [(call.request as { entries: unknown }).entries] : [(call.request as { n: number }).n];
        Promise.resolve()
          .then(() => contract.handle(method, args))
          .then(
            (result) => callback(null, method === 'getObj' ? { entries: result } : method === 'fib' ? { value: result } : {}),
            (error) => callback(statusOf(error)),
          );
      },
    ]),
  );
  server.addService(service, handlers);
  const h = host.includes(':') ? `[${host}]` : host;
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${h}:${port}`, grpc.ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p))),
  );
  return {
    address: `grpc://${h}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.forceShutdown();
        resolve();
      }),
  };
}

/**
 * The server-wide bounds on every HTTP/2 server grpc-js makes for this one. grpc-js has options for one connection
 * only, and keeps its HTTP/2 servers to itself: they come from its createHttp2Server, which sets up their handlers
 * (a method of grpc-js 1.14, not of its typed API; a grpc-js without it fails here, at start, not silently unbounded).
 */
function boundServersOf(server: grpc.Server): void {
  const inner = server as unknown as { createHttp2Server?: (...args: unknown[]) => http2.Http2Server };
  const create = inner.createHttp2Server;
  if (typeof create !== 'function') throw new Error('grpc: this @grpc/grpc-js has no createHttp2Server; the server-wide bounds cannot be set');
  inner.createHttp2Server = (...args) => {
    const made = create.apply(server, args);
    boundServer(made);
    return made;
  };
}

async function connect(address: string, options: ClientOptions): Promise<ClientHandle> {
  const { host, port } = hostPort(parseAddress(address, ['grpc:']));
  const client = new grpc.Client(`${host.includes(':') ? `[${host}]` : host}:${port}`, grpc.credentials.createInsecure(), limits(options.maxMessageBytes));
  // the connection opens now, before any call (or warm-up), within the timeout
  await new Promise<void>((resolve, reject) =>
    client.waitForReady(Date.now() + Math.min(options.timeoutMs, 10_000), (error) =>
      error ? reject(new Error(`no gRPC server answers at ${address}: ${error.message}`)) : resolve(),
    ),
  );
  return {
    call: (method, args) => unary(client, method, args, options.timeoutMs),
    close: async () => client.close(),
  };
}

function unary(client: grpc.Client, method: string, args: unknown[], timeoutMs: number): Promise<unknown> {
  const known = CALLS[method];
  // a method the proto does not have goes out all the same (empty message), for the server to refuse it
  const path = known ? service[known.rpc]!.path : `/rpcbench.Rpcbench/${method.charAt(0).toUpperCase()}${method.slice(1)}`;
  const serialize = known ? service[known.rpc]!.requestSerialize : () => Buffer.alloc(0);
  const deserialize = known ? service[known.rpc]!.responseDeserialize : (b: Buffer) => b;
  const request = known ? known.request(args) : {};
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(path, serialize, deserialize, request, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (error, reply) =>
      error ? reject(fromStatus(error, method, timeoutMs)) : resolve(known ? known.result(reply) : reply),
    );
  });
}

/** Back to the suite's errors: the kind from our trailers, else from the status code; a deadline is a timeout. */
function fromStatus(error: grpc.ServiceError, method: string, timeoutMs: number): Error {
  if (error.code === grpc.status.DEADLINE_EXCEEDED) return new CallTimeoutError(method, timeoutMs);
  const kind = error.metadata?.get(KIND_KEY)[0];
  if (typeof kind === 'string') return new RemoteError(kind, error.details);
  if (error.code === grpc.status.INVALID_ARGUMENT) return new RemoteError('ValueError', error.details);
  if (error.code === grpc.status.UNIMPLEMENTED) return new RemoteError('NameError', error.details);
  if (error.code === grpc.status.UNAVAILABLE || error.code === grpc.status.CANCELLED) return new Error(`gRPC: ${error.details}`);
  return new RemoteError(grpc.status[error.code] ?? `status ${error.code}`, error.details);
}
