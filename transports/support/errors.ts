import { ServiceError } from '../contract.ts';

/** How a server reports a failed call: the contract's kind for ServiceError, `Error` for anything unexpected. */
export function errorPayload(error: unknown): { kind: string; message: string } {
  if (error instanceof ServiceError) return { kind: error.kind, message: error.message };
  return { kind: 'Error', message: error instanceof Error ? error.message : String(error) };
}
