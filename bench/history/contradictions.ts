// A lead that flips between runs: report B of a machine says X is clearly ahead of Y on a goal, and an earlier report
// A of the same machine said Y was clearly ahead of X. Each report's verdict could only see its own run; the history
// sees them all, and a flip means the "clear" lead was the run's noise, not the transports' difference.
import type { Contradiction, HistoryPoint, PointLead } from './types.ts';

const key = (l: PointLead) => `${l.call}\u0000${l.goal}\u0000${l.where}`;
const label = (p: HistoryPoint) => `${p.date}${p.commit ? ` (${p.commit.slice(0, 7)})` : ''}`;

/** Every flip between a point and an earlier point of the same machine, the later point's first. */
export function contradictions(points: readonly HistoryPoint[]): Contradiction[] {
  const sorted = [...points].sort((a, b) => a.date.localeCompare(b.date));
  const found: Contradiction[] = [];
  sorted.forEach((now, i) => {
    for (const lead of now.leads ?? []) {
      for (const before of sorted.slice(0, i).reverse()) {
        if (before.machine.key !== now.machine.key) continue;
        const earlier = (before.leads ?? []).find((l) => key(l) === key(lead) && lead.behind.includes(l.leader));
        for (const loser of lead.behind.filter((t) => earlier?.behind.includes(lead.leader) && t === earlier.leader))
          found.push({ call: lead.call, goal: lead.goal, where: lead.where, ahead: lead.leader, behind: loser, now: label(now), before: label(before) });
      }
    }
  });
  return found;
}

/** "getObj lowest p50: X clearly ahead of Y in 2026-12-06… (abc1234), the other way in 2026-12-05… (def5678)". */
export function contradictionText(c: Contradiction): string {
  return `${c.call} ${c.goal} (${c.where}): ${c.ahead} clearly ahead of ${c.behind} in the report of ${c.now}, ${c.behind} clearly ahead of ${c.ahead} in that of ${c.before}: a lead that flips between runs is their noise (pool runs: --runs 3)`;
}
