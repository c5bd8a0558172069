// inproc: a direct function call in the client's own process. No wire and no event-loop hop:
// what it measures is the harness itself, the floor under every other transport.
import { RemoteError, type Service, ServiceError } from './contract.ts';
import type { ClientHandle, ServerHandle, TransportImpl } from './transport.ts';

const services = new Map<string, Service>();
let nextId = 0;

export const inproc = {
  async serve(_listen: string, service: Service): Promise<ServerHandle> {
    const address = `inproc://${nextId++}`;
    services.set(address, service);
    return { address, close: async () => void services.delete(address) };
  },

  async connect(address: string): Promise<ClientHandle> {
    const service = services.get(address);
    if (!service) throw new Error(`no inproc server at ${address}: inproc servers live only inside the bench process`);
    return {
      async call(method: string, args: unknown[]) {
        try {
          return await service.handle(method, args);
        } catch (error) {
          throw asRemoteError(error);
        }
      },
      close: async () => {},
    };
  },
} satisfies TransportImpl;

/** A client sees the same RemoteError here as over any wire. */
function asRemoteError(error: unknown): Error {
  if (error instanceof ServiceError) return new RemoteError(error.kind, error.message);
  return error instanceof Error ? error : new Error(String(error));
}
