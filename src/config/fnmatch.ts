/** Shell patterns as Python's fnmatch reads them: find's patterns, the fileglob lookup. */

/** Python's fnmatch: * ? [seq] [!seq] over the whole name (a ']' first in a set is literal). */
export function globRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    const setStart = glob[i + 1] === '!' ? i + 2 : i + 1;
    const close = c === '[' ? glob.indexOf(']', setStart + 1) : -1;
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (close > 0) {
      const set = glob.slice(setStart, close).replace(/[\\^\]]/g, '\\$&');
      source += `[${setStart > i + 1 ? '^' : ''}${set}]`;
      i = close;
    } else source += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}
