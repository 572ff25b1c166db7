/** "Did you mean" hints: the nearest valid names by edit distance (fastest-levenshtein). */
import {distance} from 'fastest-levenshtein';

/** Up to `max` candidates close to `name` (distance <= max(2, a third of its length)), nearest first. */
export function nearest(name: string, candidates: Iterable<string>, max = 3): string[] {
  const limit = Math.max(2, Math.floor(name.length / 3));
  const scored: Array<[string, number]> = [];
  for (const c of new Set(candidates)) {
    const d = distance(name.toLowerCase(), c.toLowerCase());
    const [a, b] = [name.toLowerCase(), c.toLowerCase()];
    if (d <= limit || b.startsWith(a) || (b.length >= 4 && a.startsWith(b))) scored.push([c, d]);
  }
  return scored
    .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
    .slice(0, max)
    .map(([c]) => c);
}

/** "did you mean 'x'?" or "did you mean 'x', 'y'?" or undefined when nothing is close. */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const near = nearest(name, candidates);
  return near.length ? `did you mean ${near.map((n) => `'${n}'`).join(', ')}?` : undefined;
}
