// When the client, not the server, was the limit of a trial. The load generator must never be what is measured:
// where it was, the report says so, and its figures are a lower bound on what the server can do.
import type { ClientLoad } from '../report/types.ts';

/**
 * The busiest load thread's event loop was busy at least this share of the trial. Chosen by measurement, getObj
 * at concurrency 16 and 64 on the 2-vCPU CI machine (`npm run bench -- --calls getObj --no-wire`, with and without
 * `--server-work-us 300`): server-bound cells (300 µs of server work per call) ran at 0.09-0.46; cells whose client
 * is known to be the limit (an XML-RPC client spending 0.7 ms decoding each reply) at 0.995-1.0; the wire floor's
 * client at 0.92-0.98 while its process used a full core (1.01-1.07 CPU seconds per second).
 */
export const CLIENT_BOUND_LOOP_UTILIZATION = 0.9;

/**
 * The same cut-off serves the open loop: it waits in its event loop between due times (loops.ts), so its
 * utilization follows the load (0.26 at 2,000 getObj calls/s over raw TCP, 0.66-0.71 at 8,000, measured). Before, its
 * pacing naps kept the loop "busy" at any rate, and the thread's CPU time stood in.
 */
export function isClientBound(load: ClientLoad): boolean {
  return load.loopUtilization >= CLIENT_BOUND_LOOP_UTILIZATION;
}
