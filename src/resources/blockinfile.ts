/** blockinfile: a marker-delimited block of lines in a file, Ansible's semantics. */
import {PxeError} from '../errors.js';
import type {Agent} from '../transport/types.js';
import {attrsSchema, wantedAttrs, type AttrArgs} from './attrs.js';
import {applyContent, contentOptionsSchema, diffContent, readContent, validateArgv, type ContentObserved, type ContentPlan} from './content.js';
import {anchorIndex, joinLines, splitLines, type Anchor} from './lines.js';
import type {Resource} from './types.js';

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
  const block = removing ? [] : [begin, ...splitLines(args.block!.endsWith('\n') ? args.block! : args.block! + '\n'), end];

  if (first >= 0 && last >= 0) {
    lines.splice(first, last - first + 1, ...block);
  } else if (block.length > 0) {
    lines.splice(anchorIndex(lines, args), 0, ...block);
  }
  return joinLines(lines);
}

export const blockinfile: Resource<BlockInFileArgs, ContentObserved> = {
  name: 'blockinfile',
  schema: {
    type: 'object',
    description: 'Insert, update or remove a block of lines between marker lines.',
    properties: {
      path: {type: 'string', description: 'The file on the target.'},
      block: {type: 'string', description: 'The lines between the markers; empty removes the block.'},
      marker: {type: 'string', description: "Marker line template with {mark} (default '# {mark} ANSIBLE MANAGED BLOCK')."},
      marker_begin: {type: 'string', description: "Replaces {mark} in the first marker (default 'BEGIN')."},
      marker_end: {type: 'string', description: "Replaces {mark} in the last marker (default 'END')."},
      state: {enum: ['present', 'absent'], description: 'Default present.'},
      insertafter: {type: 'string', description: "Regular expression or 'EOF' (default) for a new block."},
      insertbefore: {type: 'string', description: "Regular expression or 'BOF' for a new block."},
      create: {type: 'boolean', description: 'Create the file when it does not exist (default false).'},
      ...attrsSchema,
      ...contentOptionsSchema,
    },
    required: ['path'],
    additionalProperties: false,
  },

  read(args, agent: Agent) {
    return readContent(args.path, agent);
  },

  diff(args, observed) {
    const after = editBlock(observed.content?.toString('utf8') ?? null, args);
    if (after === null) {
      if (args.state === 'absent' || !args.block) return {ok: `${args.path} does not exist`};
      throw new PxeError('E_TASK', `${args.path} does not exist`, {hint: 'set create: true to create it'});
    }
    return diffContent(args.path, Buffer.from(after), wantedAttrs(args), observed, {backup: args.backup, validate: validateArgv(args.validate)});
  },

  async apply(change, agent) {
    await applyContent(change.plan as ContentPlan, agent);
  },
};
