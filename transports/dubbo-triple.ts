// dubbo:triple: Apache Dubbo 3's default protocol, Triple, for the Java interface rpcbench.Contract: gRPC over HTTP/2
// with Hessian 2 values in Dubbo's protobuf wrappers (support/triple-protocol.ts), our server and client on
// node:http2. One HTTP/2 connection, one stream a call. The contract's methods are the dubbo row's (the same Java
// interface); a method the interface lacks is called as Dubbo's generic service calls it ($invoke), since Dubbo 3.3.6's
// provider fails a direct call of it with a NullPointerException (HTTP 500) rather than an answer. Errors: a method
// that threw comes back as its Java exception (tri-exception-code 3); an unknown method or service is UNIMPLEMENTED.
// Dubbo's Java consumer calls our server, and our client its provider: test/interop-dubbo.test.ts, and the
// dubbo:triple-java row, whose server is Dubbo's own.
import http2 from 'node:http2';
import { CallTimeoutError, RemoteError, type Service } from './contract.ts';
import { calledMethod, dubboCall, isGeneric, noSuchMethod, RPC_EXCEPTION, SERVICE } from './dubbo.ts';
import { hostPort, parseAddress } from './support/address.ts';
import { errorPayload } from './support/errors.ts';
import { boundServer, SESSION_BOUNDS } from './support/http2-bounds.ts';
import { javaException, kindOfJava } from './support/java-exceptions.ts';
import { closerFor, listen } from './support/sockets.ts';
import {
  BIZ_EXCEPTION,
  CONTENT_TYPE,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  TripleProtocolError,
  UnaryMessage,
} from './support/triple-protocol.ts';
import type { ClientHandle, ClientOptions, Codec, ServerHandle, ServerOptions, TransportImpl, Wire } from './transport.ts';

const SCHEMES = ['tri:'];
/** Each method's parameter classes and return class, as rpcbench.Contract declares them (and Dubbo's generic service). */
const METHODS: Record<string, { argTypes: string[]; returns: string }> = {
  getObj: { argTypes: [], returns: 'java.util.Map' },
  sendObj: { argTypes: ['java.util.Map'], returns: 'void' },
  fib: { argTypes: ['java.lang.Object'], returns: 'java.lang.Object' },
  $invoke: { argTypes: ['java.lang.String', '[Ljava.lang.String;', '[Ljava.lang.Object;'], returns: 'java.lang.Object' },
  $echo: { argTypes: ['java.lang.Object'], returns: 'java.lang.Object' },
};
const GRPC = { ok: '0', invalidArgument: '3', resourceExhausted: '8', unimplemented: '12', internal: '13' } as const;

const bytes = (wire: Wire) => (typeof wire === 'string' ? Buffer.from(wire) : Buffer.from(wire.buffer, wire.byteOffset, wire.byteLength));

/** Wraps and unwraps Triple messages: what the harness times as this transport's codec (the gRPC prefix included). */
const tripleCodec: Codec = {
  encodeRequest: (method, args) => encodeRequest(args, METHODS[method]?.argTypes ?? []),
  decodeRequest: (_method, wire) => decodeRequest(bytes(wire).subarray(5)).args,
  encodeReply: (method, result) => encodeResponse(result, METHODS[method]?.returns ?? 'java.lang.Object'),
  decodeReply: (_method, wire) => decodeResponse(bytes(wire).subarray(5)),
};

export const dubboTriple = { codec: tripleCodec, serve, connect } satisfies TransportImpl;

// ---- the server

async function serve(listenAt: string, service: Service, options: ServerOptions): Promise<ServerHandle> {
  const { host, port } = hostPort(parseAddress(listenAt, SCHEMES));
  const server = http2.createServer({
    maxSessionMemory: SESSION_BOUNDS.sessionMemoryMb(options.maxMessageBytes),
    settings: { maxConcurrentStreams: SESSION_BOUNDS.maxConcurrentStreams },
  });
  server.on('stream', (stream, headers) => answer(stream, headers, service, options.maxMessageBytes));
  boundServer(server);
  const net = server as unknown as import('node:net').Server;
  const close = closerFor(net);
  const bound = await listen(net, host, port);
  return { address: `tri://${host.includes(':') ? `[${host}]` : host}:${bound.port}`, close };
}

/** One call: its path names the service and method, its one message the arguments. */
function answer(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, service: Service, maxMessageBytes: number): void {
  stream.on('error', () => {}); // a client gone mid-call: nothing to answer
  const [, path, method] = /^\/([^/]+)\/([^/]+)$/.exec(String(headers[':path'])) ?? [];
  if (headers[':method'] !== 'POST' || !String(headers['content-type']).startsWith('application/grpc'))
    return void stream.respond({ ':status': 415 }, { endStream: true });
  if (path !== SERVICE || !method) return void status(stream, GRPC.unimplemented, `Not found exported service: ${path ?? headers[':path']}`);
  const message = new UnaryMessage(maxMessageBytes);
  stream.on('data', (chunk: Buffer) => {
    try {
      message.push(chunk);
    } catch (error) {
      stream.removeAllListeners('data').removeAllListeners('end');
      refuse(stream, error);
    }
  });
  stream.on('end', () => {
    let args: unknown[];
    try {
      args = decodeRequest(message.body()).args;
    } catch (error) {
      return refuse(stream, error);
    }
    const returns = METHODS[method]?.returns ?? 'java.lang.Object';
    const fail = (error: unknown) => failed(stream, method, args, returns, error);
    try {
      const result = dubboCall(method, args, service);
      if (result instanceof Promise) result.then((value) => reply(stream, encodeResponse(value, returns), false), fail);
      else reply(stream, encodeResponse(result, returns), false);
    } catch (error) {
      fail(error);
    }
  });
}

/** A method that threw: its Java exception as Dubbo's provider sends it; a method the interface lacks, as Dubbo words it. */
function failed(stream: http2.ServerHttp2Stream, method: string, args: unknown[], returns: string, error: unknown): void {
  const { kind, message } = errorPayload(error);
  if (kind === 'NameError' && !isGeneric(method)) return void status(stream, GRPC.unimplemented, `Method not found: ${SERVICE}/${method}`);
  const exception =
    kind === 'NameError' ? { $class: RPC_EXCEPTION, $: { detailMessage: noSuchMethod(calledMethod(method, args)) } } : javaException(kind, message);
  reply(stream, encodeResponse(exception, returns), true);
}

/** A request we cannot take: too large, compressed, not a wrapper, another serialization. */
function refuse(stream: http2.ServerHttp2Stream, error: unknown): void {
  if (!(error instanceof TripleProtocolError)) throw error;
  const code = { 'too-large': GRPC.resourceExhausted, 'not-served': GRPC.unimplemented, unreadable: GRPC.internal }[error.why];
  status(stream, code, error.message);
}

function reply(stream: http2.ServerHttp2Stream, body: Buffer, exception: boolean): void {
  if (stream.destroyed) return;
  const headers: http2.OutgoingHttpHeaders = { ':status': 200, 'content-type': 'application/grpc' };
  if (exception) headers['tri-exception-code'] = BIZ_EXCEPTION;
  stream.respond(headers, { waitForTrailers: true });
  stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': GRPC.ok }));
  stream.end(body);
}

/** A trailers-only response (gRPC's form of an error with no message); the rest of the request is not read. */
function status(stream: http2.ServerHttp2Stream, code: string, message: string): void {
  if (stream.destroyed || stream.headersSent) return;
  stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': code, 'grpc-message': encodeURIComponent(message) }, { endStream: true });
  if (!stream.readableEnded) stream.close(http2.constants.NGHTTP2_NO_ERROR);
}

// ---- the client

async function connect(address: string, options: ClientOptions): Promise<ClientHandle> {
  const { host, port } = hostPort(parseAddress(address, SCHEMES));
  const session = http2.connect(`http://${host.includes(':') ? `[${host}]` : host}:${port}`, {
    maxSessionMemory: SESSION_BOUNDS.sessionMemoryMb(options.maxMessageBytes),
  });
  let closedReason: Error | null = null;
  session.on('error', (error) => {
    closedReason ??= new Error(`dubbo:triple connection to ${address} failed: ${error.message}`);
  });
  await opened(session, address, Math.min(options.timeoutMs, 10_000));
  const inFlight = new Set<http2.ClientHttp2Stream>();
  return {
    call: (method, args) => (closedReason ? Promise.reject(closedReason) : unary(session, inFlight, method, args, options)),
    close: () => closeSession(session, inFlight),
  };
}

/** Cancels the calls still in flight and closes the connection; one already gone (its server died) is done. */
function closeSession(session: http2.ClientHttp2Session, inFlight: Set<http2.ClientHttp2Stream>): Promise<void> {
  for (const s of inFlight) s.close(http2.constants.NGHTTP2_CANCEL);
  // 'close' is emitted once: a session closed before this call would never call back
  if (session.closed || session.destroyed) return Promise.resolve();
  return new Promise((resolve) => session.close(resolve));
}

function opened(session: http2.ClientHttp2Session, address: string, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error(`no Triple server answers at ${address} within ${ms} ms`));
    }, ms);
    session.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    session.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`no Triple server answers at ${address}: ${error.message}`));
    });
  });
}

/** One call on its own stream, with a deadline (grpc-timeout tells the server; the stream is cancelled at it). */
function unary(session: http2.ClientHttp2Session, inFlight: Set<http2.ClientHttp2Stream>, method: string, args: unknown[], options: ClientOptions) {
  // a method the interface lacks goes out as Dubbo's generic call of it (see the top of this file)
  const [path, callArgs] = METHODS[method] ? [method, args] : ['$invoke', [method, args.map(() => 'java.lang.Object'), args]];
  return new Promise<unknown>((resolve, reject) => {
    const stream = session.request({
      ':method': 'POST',
      ':path': `/${SERVICE}/${path}`,
      'content-type': CONTENT_TYPE,
      te: 'trailers',
      'grpc-timeout': `${options.timeoutMs}m`,
    });
    inFlight.add(stream);
    const message = new UnaryMessage(options.maxMessageBytes);
    let head: http2.IncomingHttpHeaders = {};
    let tail: http2.IncomingHttpHeaders = {};
    let failure: Error | null = null;
    const timer = setTimeout(() => {
      failure = new CallTimeoutError(method, options.timeoutMs);
      stream.close(http2.constants.NGHTTP2_CANCEL);
    }, options.timeoutMs);
    stream.on('response', (h) => {
      head = h;
    });
    stream.on('trailers', (t) => {
      tail = t;
    });
    stream.on('data', (chunk: Buffer) => {
      try {
        message.push(chunk);
      } catch (error) {
        failure ??= error as Error;
        stream.close(http2.constants.NGHTTP2_CANCEL);
      }
    });
    stream.on('error', (error) => {
      failure ??= new Error(`dubbo:triple: ${error.message}`);
    });
    stream.on('close', () => {
      clearTimeout(timer);
      inFlight.delete(stream);
      try {
        if (failure) throw failure;
        resolve(outcome(head, tail, message));
      } catch (error) {
        reject(error);
      }
    });
    stream.end(encodeRequest(callArgs, METHODS[path]!.argTypes));
  });
}

/** A finished call's value; throws its error as the contract's (a Java exception by its class, a status by its code). */
function outcome(head: http2.IncomingHttpHeaders, tail: http2.IncomingHttpHeaders, message: UnaryMessage): unknown {
  const code = String(tail['grpc-status'] ?? head['grpc-status'] ?? '');
  if (code === '') throw new Error(`dubbo:triple: HTTP ${head[':status'] ?? '(no response)'} without a gRPC status`);
  if (code !== GRPC.ok) {
    const text = decodeURIComponent(String(tail['grpc-message'] ?? head['grpc-message'] ?? ''));
    throw new RemoteError(code === GRPC.unimplemented ? 'NameError' : `grpc-status ${code}`, text);
  }
  const value = decodeResponse(message.body());
  if (head['tri-exception-code'] === undefined || head['tri-exception-code'] === '0') return value;
  const e = value as { name?: string; message?: string } | null;
  const javaClass = String(e?.name ?? 'java.lang.Throwable');
  const text = String(e?.message ?? '');
  throw new RemoteError(/No such method|NoSuchMethod/.test(`${javaClass} ${text}`) ? 'NameError' : kindOfJava(javaClass), text);
}
