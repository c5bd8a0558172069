// "Did you mean": the known name nearest to a mistyped one (case aside, at most a third of its letters off), for every
// message that refuses a name (a transport, a call, a command, an option).

/** ` (did you mean "tcp"?)`, or nothing when no known name is near enough. */
export function didYouMean(word: string, known: readonly string[]): string {
  const w = word.toLowerCase();
  let best: { name: string; d: number } | null = null;
  for (const name of known) {
    const d = distance(w, name.toLowerCase());
    if (!best || d < best.d) best = { name, d };
  }
  return best && best.d <= Math.max(1, Math.floor(word.length / 3)) ? ` (did you mean ${JSON.stringify(best.name)}?)` : '';
}

/** Edit distance with transpositions (optimal string alignment): "tpc" is one step from "tcp". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  return d[a.length]![b.length]!;
}
