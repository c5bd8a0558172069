// Names this run's queues, keys, subjects and topics on a shared broker, so that runs never meet and each can remove
// what is its own. RPCBENCH_RUN_ID sets it (letters, digits, dashes, at most 40) so that a caller can find and check them.
import { randomBytes } from 'node:crypto';

export const RUN_ID = /^[\w-]{1,40}$/.test(process.env.RPCBENCH_RUN_ID ?? '') ? process.env.RPCBENCH_RUN_ID! : randomBytes(4).toString('hex');
