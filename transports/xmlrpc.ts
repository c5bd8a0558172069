// xmlrpc: XML-RPC over HTTP/1.1 with our own codec on a streaming XML parser (support/xmlrpc-xml.ts), <nil/>
// allowed, so it interoperates with Python's SimpleXMLRPCServer(allow_none=True) and ServerProxy(allow_none=True).
// Faults: code 1 for a bad call (Python's SimpleXMLRPCServer uses 1 for any exception), -32601 for an unknown
// method and -32700 for a document that cannot be parsed (the xmlrpc-epi conventions).
import type http from 'node:http';
import { RemoteError, type Service } from './contract.ts';
import { errorPayload } from './support/errors.ts';
import { BodyTooLargeError, documentClient, readBody, serveHttp } from './support/http.ts';
import { readCall, readResponse, writeCall, writeFault, writeResponse } from './support/xmlrpc-xml.ts';
import type { ClientHandle, ClientOptions, Codec, ServerHandle, ServerOptions, TransportImpl, Wire } from './transport.ts';

export const FAULT_BAD_CALL = 1;
export const FAULT_NO_METHOD = -32601;
export const FAULT_PARSE = -32700;

const text = (wire: Wire) => (typeof wire === 'string' ? wire : Buffer.from(wire).toString('utf8'));

export const xmlrpcCodec: Codec = {
  encodeRequest: (method, args) => writeCall(method, args),
  decodeRequest: (_method, wire) => readCall(text(wire)),
  encodeReply: (_method, result) => writeResponse(result),
  decodeReply: (_method, wire) => {
    const response = readResponse(text(wire));
    return response.kind === 'ok' ? response.value : response.fault;
  },
};

export const xmlrpc = { codec: xmlrpcCodec, serve, connect } satisfies TransportImpl;

function serve(listen: string, service: Service, options: ServerOptions): Promise<ServerHandle> {
  return serveXmlRpc(listen, service, options, { readCall, writeResponse, writeFault });
}

/** Reading a call and writing a response or a fault: ours, or the xmlrpc package's (transports/xmlrpc-package.ts). */
export interface XmlRpcDocuments {
  readCall(xml: string): { method: string; params: unknown[] } | Promise<{ method: string; params: unknown[] }>;
  writeResponse(value: unknown): string;
  writeFault(fault: { faultCode: number; faultString: string }): string;
}

/** An XML-RPC server on `/RPC2`: POST only, bodies within the size limit (else 413), faults as Python sends them. */
export function serveXmlRpc(listen: string, service: Service, options: ServerOptions, docs: XmlRpcDocuments): Promise<ServerHandle> {
  return serveHttp(listen, '/RPC2', (req, res) => void handle(req, res, service, options, docs));
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse, service: Service, options: ServerOptions, docs: XmlRpcDocuments) {
  if (req.method !== 'POST') return void res.writeHead(405, { allow: 'POST' }).end();
  let body: Buffer;
  try {
    body = await readBody(req, options.maxMessageBytes, true);
  } catch (error) {
    // no "Connection: close": the body is being drained (readBody), and closing with it still arriving sends a reset
    // that can destroy the 413 before the client reads it (a CI run's 50 MB probe got "fetch failed")
    return void res.writeHead(error instanceof BodyTooLargeError ? 413 : 400).end();
  }
  let call: { method: string; params: unknown[] };
  try {
    call = await docs.readCall(body.toString('utf8'));
  } catch (error) {
    return send(res, docs.writeFault({ faultCode: FAULT_PARSE, faultString: `parse error: ${(error as Error).message}` }));
  }
  send(res, await answer(service, call.method, call.params, docs));
}

async function answer(service: Service, method: string, params: unknown[], docs: XmlRpcDocuments): Promise<string> {
  try {
    return docs.writeResponse((await service.handle(method, params)) ?? null);
  } catch (error) {
    const { kind, message } = errorPayload(error);
    // Python's server formats faults as "<class 'X'>:message"; ours reads "X: message", which the client below parses back.
    return docs.writeFault({ faultCode: kind === 'NameError' ? FAULT_NO_METHOD : FAULT_BAD_CALL, faultString: `${kind}: ${message}` });
  }
}

function send(res: http.ServerResponse, xml: string): void {
  res.writeHead(200, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(xml) }).end(xml);
}

async function connect(address: string, options: ClientOptions): Promise<ClientHandle> {
  return documentClient(address, options, 'text/xml', writeCall, (reply) => {
    if (reply.status !== 200) throw new Error(`XML-RPC server at ${address} answered HTTP ${reply.status}`);
    const response = readResponse(reply.body.toString('utf8'));
    if (response.kind === 'fault') throw remoteError(response.fault.faultCode, response.fault.faultString);
    return response.value;
  });
}

/** A fault as a RemoteError: "ValueError: msg" from our server, "<class 'ValueError'>:msg" from Python's. */
export function remoteError(faultCode: number, faultString: string): RemoteError {
  const match = /^(?:<class '(?:[\w.]+\.)?(\w+)'>:|(\w+): )(.*)$/s.exec(faultString);
  return match ? new RemoteError(match[1] ?? match[2]!, match[3]!) : new RemoteError(`Fault${faultCode}`, faultString);
}
