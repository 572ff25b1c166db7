/** file: a path's kind (file, directory, link, absent, touch) and attributes. */
import {PxeError} from '../errors.js';
import {stateText, unifiedDiff} from '../report/diff.js';
import type {Agent, FileAttrs, StatResult} from '../transport/types.js';
import {attrDifferences, attrsSchema, formatMode, wantedAttrs, type AttrArgs} from './attrs.js';
import type {Resource} from './types.js';

export interface FileArgs extends AttrArgs {
  path: string;
  state?: 'file' | 'directory' | 'link' | 'absent' | 'touch';
  src?: string;
  force?: boolean;
}

export interface FilePlan {
  path: string;
  action: 'create-directory' | 'create-file' | 'link' | 'remove' | 'attrs';
  attrs: FileAttrs;
  src?: string;
  replaceKind?: StatResult['kind'];
}

function describe(stat: StatResult): Record<string, string | undefined> {
  if (stat.kind === 'absent') return {state: 'absent'};
  return {
    state: stat.kind,
    target: stat.target,
    mode: stat.kind === 'link' ? undefined : formatMode(stat.mode),
    owner: stat.owner,
    group: stat.group,
  };
}

/** The change from what is there to what is wanted; pure. */
export function planFile(args: FileArgs, stat: StatResult): FilePlan | string {
  const state = args.state ?? (stat.kind === 'absent' ? 'file' : stat.kind === 'directory' ? 'directory' : 'file');
  const attrs = wantedAttrs(args);
  const base = {path: args.path, attrs};
  switch (state) {
    case 'absent':
      return stat.kind === 'absent' ? 'already absent' : {...base, action: 'remove'};
    case 'directory':
      if (stat.kind === 'absent') return {...base, action: 'create-directory'};
      if (stat.kind !== 'directory') throw kindError(args.path, stat, 'directory');
      return attrDifferences(attrs, stat).length ? {...base, action: 'attrs'} : 'already up to date';
    case 'link':
      if (args.src === undefined)
        throw new PxeError('E_MODULE_ARGS', 'state=link needs src', {hint: 'src: the path the link points to'});
      if (stat.kind === 'link' && stat.target === args.src) return 'already up to date';
      if (stat.kind !== 'absent' && stat.kind !== 'link' && !args.force) throw kindError(args.path, stat, 'link');
      return {...base, action: 'link', src: args.src, replaceKind: stat.kind};
    case 'touch':
      if (stat.kind === 'absent') return {...base, action: 'create-file'};
      return attrDifferences(attrs, stat).length ? {...base, action: 'attrs'} : 'already up to date';
    case 'file':
      if (stat.kind === 'absent') {
        throw new PxeError('E_TASK', `${args.path} does not exist`, {
          hint: 'state=touch creates an empty file; copy or template write content',
        });
      }
      if (stat.kind !== 'file') throw kindError(args.path, stat, 'file');
      return attrDifferences(attrs, stat).length ? {...base, action: 'attrs'} : 'already up to date';
  }
}

function kindError(path: string, stat: StatResult, wanted: string): PxeError {
  return new PxeError('E_TASK', `${path} is a ${stat.kind}, not a ${wanted}`, {
    hint: 'remove it first or set force: true (links only)',
  });
}

function wantedState(plan: FilePlan, stat: StatResult): Record<string, string | undefined> {
  if (plan.action === 'remove') return {state: 'absent'};
  const kind =
    plan.action === 'create-directory'
      ? 'directory'
      : plan.action === 'link'
        ? 'link'
        : stat.kind === 'absent'
          ? 'file'
          : stat.kind;
  if (kind === 'link') return {state: 'link', target: plan.src};
  return {
    state: kind,
    mode: formatMode(plan.attrs.mode ?? stat.mode ?? (kind === 'directory' ? 0o755 : 0o644)),
    owner: plan.attrs.owner ?? stat.owner ?? 'root',
    group: plan.attrs.group ?? stat.group ?? 'root',
  };
}

export const file: Resource<FileArgs, StatResult, FilePlan> = {
  name: 'file',
  schema: {
    type: 'object',
    description: 'Make a path a file, directory or symlink with the given attributes, or remove it.',
    properties: {
      path: {type: 'string', description: 'Absolute path on the target (alias: dest, name).'},
      state: {
        enum: ['file', 'directory', 'link', 'absent', 'touch'],
        description: 'Default: file (the path must exist).',
      },
      src: {type: 'string', description: 'With state=link: where the link points.'},
      force: {type: 'boolean', description: 'With state=link: replace a file that is in the way.'},
      ...attrsSchema,
    },
    required: ['path'],
    additionalProperties: false,
  },

  async read(args, agent: Agent) {
    return (await agent.stat([args.path]))[0]!;
  },

  diff(args, stat) {
    const plan = planFile(args, stat);
    if (typeof plan === 'string') return {ok: plan};
    const diff = unifiedDiff(args.path, stateText(describe(stat)), stateText(wantedState(plan, stat)));
    const summary =
      plan.action === 'attrs' ? attrDifferences(plan.attrs, stat).join(', ') : `${plan.action} ${args.path}`;
    return {summary, diff, plan};
  },

  async apply(plan, agent) {
    switch (plan.action) {
      case 'remove':
        return agent.remove(plan.path, {recursive: true});
      case 'create-directory':
        return agent.mkdir(plan.path, {...plan.attrs, parents: true});
      case 'create-file':
        await agent.writeFile(plan.path, Buffer.alloc(0), plan.attrs);
        return;
      case 'link':
        if (plan.replaceKind === 'file' || plan.replaceKind === 'other') await agent.remove(plan.path);
        return agent.symlink(plan.src!, plan.path);
      case 'attrs':
        return agent.setAttrs(plan.path, plan.attrs);
    }
  },
};
