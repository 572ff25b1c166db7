/**
 * Whole-file content on the target, shared by copy, template, lineinfile and blockinfile:
 * read (stat + content in one pipelined round trip), diff (content and attributes), apply (atomic write).
 */
import {createHash} from 'node:crypto';
import {PxeError} from '../errors.js';
import {contentDiff, stateText, unifiedDiff} from '../report/diff.js';
import type {Agent, FileAttrs, StatResult} from '../transport/types.js';
import type {Change, NoChange, Resource} from './types.js';
import {attrDifferences, attrsSchema, formatMode, wantedAttrs, type AttrArgs} from './attrs.js';

/** Above this size the old content is not fetched for a diff; sha256 decides. */
const FETCH_LIMIT = 256 * 1024;

export interface ContentObserved {
  stat: StatResult;
  content: Buffer | null;
}

export interface ContentPlan {
  path: string;
  content: Buffer;
  attrs: FileAttrs;
  contentChanged: boolean;
  backup?: boolean;
  validate?: string[];
}

export const contentOptionsSchema = {
  backup: {type: 'boolean', description: 'Keep the replaced file under /var/lib/pxeprov/backup/.'},
  validate: {
    type: 'string',
    description:
      "Command that must accept the new file before it goes live; %s is the new file's path (e.g. 'dhcpd -t -cf %s').",
  },
} as const;

export function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/**
 * A file's state, and its content when a diff needs it: always without `wanted` (an edit starts from it),
 * else only when it differs from `wanted` and is small enough to show. A converged file costs a stat.
 */
export async function readContent(path: string, agent: Agent, wanted?: Buffer): Promise<ContentObserved> {
  if (wanted === undefined) {
    const [stats, content] = await Promise.all([agent.stat([path], {sha256: true}), agent.readFile(path)]);
    return {stat: stats[0]!, content: stats[0]!.kind === 'file' ? content : null};
  }
  const [stat] = await agent.stat([path], {sha256: true});
  const show = stat!.kind === 'file' && stat!.sha256 !== sha256(wanted) && (stat!.size ?? 0) <= FETCH_LIMIT;
  return {stat: stat!, content: show ? await agent.readFile(path) : null};
}

/** Split a validate command like Ansible's (whitespace, simple quotes) into argv. */
export function validateArgv(validate: string | undefined): string[] | undefined {
  if (validate === undefined) return undefined;
  const argv = [...validate.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
  if (!argv.some((arg) => arg.includes('%s'))) {
    throw new PxeError('E_MODULE_ARGS', `validate '${validate}' does not contain %s`, {
      hint: "name the file to check with %s, e.g. 'dhcpd -t -cf %s'",
    });
  }
  return argv;
}

export function diffContent(
  path: string,
  wanted: Buffer,
  attrs: FileAttrs,
  observed: ContentObserved,
  options: {backup?: boolean; validate?: string[]} = {},
): Change<ContentPlan> | NoChange {
  const {stat} = observed;
  if (stat.kind !== 'absent' && stat.kind !== 'file') {
    throw new PxeError('E_TASK', `${path} is a ${stat.kind}, not a file`, {
      hint: 'remove it first (file: state=absent) or choose another path',
    });
  }
  const wantedSha = sha256(wanted);
  const contentChanged = stat.kind === 'absent' || stat.sha256 !== wantedSha;
  const attrLines = stat.kind === 'absent' ? [] : attrDifferences(attrs, stat);
  if (!contentChanged && attrLines.length === 0) return {ok: 'already up to date'};

  const diffs: string[] = [];
  if (contentChanged) diffs.push(contentDiff(path, observed.content, wanted, {before: stat.sha256, after: wantedSha}));
  if (attrLines.length > 0) {
    diffs.push(unifiedDiff(`${path} (attributes)`, stateText(attrState(stat)), stateText(attrState(stat, attrs))));
  }
  const summary =
    stat.kind === 'absent'
      ? `create ${path}`
      : [contentChanged ? 'content differs' : '', ...attrLines].filter(Boolean).join(', ');
  const plan: ContentPlan = {path, content: wanted, attrs, contentChanged, ...options};
  return {summary, diff: diffs.join('\n'), plan};
}

function attrState(stat: StatResult, wanted: FileAttrs = {}): Record<string, string | undefined> {
  return {
    mode: formatMode(wanted.mode ?? stat.mode),
    owner: wanted.owner ?? stat.owner,
    group: wanted.group ?? stat.group,
  };
}

export async function applyContent(plan: ContentPlan, agent: Agent): Promise<void> {
  if (plan.contentChanged) {
    await agent.writeFile(plan.path, plan.content, {...plan.attrs, backup: plan.backup, validate: plan.validate});
  } else {
    await agent.setAttrs(plan.path, plan.attrs);
  }
}

export interface EditArgs extends AttrArgs {
  path: string;
  state?: 'present' | 'absent';
  create?: boolean;
  backup?: boolean;
  validate?: string;
}

/**
 * A module that edits part of a file (lineinfile, blockinfile): `edit` computes the new text from the old
 * one (null: the file does not exist and is not to be created); read, diff and apply are the same for all.
 */
export function editingResource<A extends EditArgs>(spec: {
  name: string;
  description: string;
  properties: Record<string, unknown>;
  edit(before: string | null, args: A): string | null;
  /** Nothing to do on a missing file (e.g. state=absent). */
  missingIsFine(args: A): boolean;
}): Resource<A, ContentObserved, ContentPlan> {
  return {
    name: spec.name,
    schema: {
      type: 'object',
      description: spec.description,
      properties: {
        path: {type: 'string', description: 'The file on the target.'},
        ...spec.properties,
        state: {enum: ['present', 'absent'], description: 'Default present.'},
        insertafter: {
          type: 'string',
          description: "Regular expression or 'EOF' (default): insert after its last match.",
        },
        insertbefore: {type: 'string', description: "Regular expression or 'BOF': insert before its last match."},
        create: {type: 'boolean', description: 'Create the file when it does not exist (default false).'},
        ...attrsSchema,
        ...contentOptionsSchema,
      },
      required: ['path'],
      additionalProperties: false,
    },
    read: (args, agent) => readContent(args.path, agent),
    diff(args, observed) {
      const after = spec.edit(observed.content?.toString('utf8') ?? null, args);
      if (after === null) {
        if (spec.missingIsFine(args)) return {ok: `${args.path} does not exist`};
        throw new PxeError('E_TASK', `${args.path} does not exist`, {hint: 'set create: true to create it'});
      }
      return diffContent(args.path, Buffer.from(after), wantedAttrs(args), observed, {
        backup: args.backup,
        validate: validateArgv(args.validate),
      });
    },
    apply: applyContent,
  };
}
