/** blockinfile: a marker-delimited block of lines in a file, Ansible's semantics. */
import type {AttrArgs} from './attrs.js';
import {editingResource} from './content.js';
import {anchorIndex, joinLines, splitLines, type Anchor} from './lines.js';

export interface BlockInFileArgs extends AttrArgs, Anchor {
  path: string;
  block?: string;
  marker?: string;
  marker_begin?: string;
  marker_end?: string;
  state?: 'present' | 'absent';
  create?: boolean;
  backup?: boolean;
  validate?: string;
}

const DEFAULT_MARKER = '# {mark} ANSIBLE MANAGED BLOCK';

/** The new text of the file, pure; null when the file does not exist and is not to be created. */
export function editBlock(before: string | null, args: BlockInFileArgs): string | null {
  const removing = args.state === 'absent' || (args.block ?? '') === '';
  if (before === null && (removing || !args.create)) return null;
  const marker = args.marker ?? DEFAULT_MARKER;
  const begin = marker.replace('{mark}', args.marker_begin ?? 'BEGIN');
  const end = marker.replace('{mark}', args.marker_end ?? 'END');
  const lines = splitLines(before ?? '');
  const first = lines.indexOf(begin);
  const last = first >= 0 ? lines.indexOf(end, first) : -1;
  const block = removing
    ? []
    : [begin, ...splitLines(args.block!.endsWith('\n') ? args.block! : args.block! + '\n'), end];

  if (first >= 0 && last >= 0) {
    lines.splice(first, last - first + 1, ...block);
  } else if (block.length > 0) {
    lines.splice(anchorIndex(lines, args), 0, ...block);
  }
  return joinLines(lines);
}

export const blockinfile = editingResource<BlockInFileArgs>({
  name: 'blockinfile',
  description: 'Insert, update or remove a block of lines between marker lines.',
  properties: {
    block: {type: 'string', description: 'The lines between the markers; empty removes the block.'},
    marker: {
      type: 'string',
      description: "Marker line template with {mark} (default '# {mark} ANSIBLE MANAGED BLOCK').",
    },
    marker_begin: {type: 'string', description: "Replaces {mark} in the first marker (default 'BEGIN')."},
    marker_end: {type: 'string', description: "Replaces {mark} in the last marker (default 'END')."},
  },
  edit: editBlock,
  missingIsFine: (args) => args.state === 'absent' || !args.block,
});
