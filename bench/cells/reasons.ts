import type { ErrorReason } from '../report/types.ts';

/** Counts of the same message added up, most frequent first. */
export function mergeReasons(reasons: readonly ErrorReason[]): ErrorReason[] {
  const by = new Map<string, number>();
  for (const r of reasons) by.set(r.message, (by.get(r.message) ?? 0) + r.count);
  return [...by].map(([message, count]) => ({ message, count })).sort((a, b) => b.count - a.count);
}
