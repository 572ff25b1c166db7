/** lineinfile: make sure one line is in a file (or absent), Ansible's semantics. */
import {PxeError} from '../errors.js';
import type {AttrArgs} from './attrs.js';
import {editingResource} from './content.js';
import {anchorIndex, joinLines, splitLines, type Anchor} from './lines.js';

export interface LineInFileArgs extends AttrArgs, Anchor {
  path: string;
  line?: string;
  regexp?: string;
  state?: 'present' | 'absent';
  backrefs?: boolean;
  create?: boolean;
  backup?: boolean;
  validate?: string;
}

/** The new text of the file, pure. `before` is null when the file does not exist. */
export function editLine(before: string | null, args: LineInFileArgs): string | null {
  if (before === null && !(args.create && args.state !== 'absent')) return null;
  const lines = splitLines(before ?? '');
  const regexp = args.regexp === undefined ? undefined : new RegExp(args.regexp);
  const matches = (text: string) => (regexp ? regexp.test(text) : text === args.line);

  if (args.state === 'absent') return joinLines(lines.filter((text) => !matches(text)));

  const line = args.line!;
  const last = lines.findLastIndex(matches);
  if (last >= 0) {
    lines[last] = args.backrefs && regexp ? lines[last]!.replace(regexp, line.replace(/\\(\d)/g, '$$$1')) : line;
    return joinLines(lines);
  }
  if (args.backrefs) return joinLines(lines);
  if (regexp && lines.includes(line)) return joinLines(lines);
  lines.splice(anchorIndex(lines, args), 0, line);
  return joinLines(lines);
}

export const lineinfile = editingResource<LineInFileArgs>({
  name: 'lineinfile',
  description: 'Ensure a line is present (replacing the last line matching regexp) or absent.',
  properties: {
    line: {type: 'string', description: 'The line to insert or put in place of the match.'},
    regexp: {type: 'string', description: 'Regular expression for the line to replace (present) or remove (absent).'},
    backrefs: {
      type: 'boolean',
      description: "With regexp: \\1 in line refers to the match's groups; no match leaves the file alone.",
    },
  },
  edit(before, args) {
    if (args.state !== 'absent' && args.line === undefined) {
      throw new PxeError('E_MODULE_ARGS', 'lineinfile with state=present needs line', {hint: 'add line: "…"'});
    }
    return editLine(before, args);
  },
  missingIsFine: (args) => args.state === 'absent',
});
