/** Line helpers shared by lineinfile and blockinfile. */

export interface Anchor {
  insertafter?: string;
  insertbefore?: string;
}

export function splitLines(text: string): string[] {
  if (text === '') return [];
  return text.replace(/\n$/, '').split('\n');
}

export function joinLines(lines: string[]): string {
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}

/** Where to insert new lines: after the last match of insertafter (EOF default), before the last match of insertbefore. */
export function anchorIndex(lines: string[], anchor: Anchor): number {
  if (anchor.insertbefore !== undefined) {
    if (anchor.insertbefore === 'BOF') return 0;
    const at = lines.findLastIndex((text) => new RegExp(anchor.insertbefore!).test(text));
    return at >= 0 ? at : lines.length;
  }
  if (anchor.insertafter !== undefined && anchor.insertafter !== 'EOF') {
    const at = lines.findLastIndex((text) => new RegExp(anchor.insertafter!).test(text));
    return at >= 0 ? at + 1 : lines.length;
  }
  return lines.length;
}
