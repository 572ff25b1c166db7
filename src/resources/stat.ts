/** stat, slurp and find: read-only modules whose result is registered (they also run in check mode). */
import {posix} from 'node:path';
import {commaList} from '../config/comma-list.js';
import {globRegExp} from '../config/fnmatch.js';
import {PxeError} from '../errors.js';
import type {Agent, FileKind, StatResult} from '../transport/types.js';
import type {DataSource} from './types.js';

/** A path's state as Ansible's stat and find register it. */
function statFields(observed: StatResult): Record<string, unknown> {
  return {
    exists: observed.kind !== 'absent',
    path: observed.path,
    isdir: observed.kind === 'directory',
    isreg: observed.kind === 'file',
    islnk: observed.kind === 'link',
    mode: observed.mode === undefined ? undefined : '0' + observed.mode.toString(8).padStart(3, '0'),
    pw_name: observed.owner,
    gr_name: observed.group,
    uid: observed.uid,
    gid: observed.gid,
    size: observed.size,
    mtime: observed.mtime,
    lnk_target: observed.target,
    checksum: observed.sha256,
  };
}

export const stat: DataSource<{path: string; checksum?: boolean}, StatResult> = {
  name: 'stat',
  readOnly: true,
  schema: {
    type: 'object',
    description: "Register a path's kind, mode, owner, size and sha256 (result.stat.exists, .isdir, .checksum …).",
    properties: {
      path: {type: 'string', description: 'The path on the target.'},
      checksum: {type: 'boolean', description: 'Compute sha256 (default true).'},
    },
    required: ['path'],
    additionalProperties: false,
  },
  async read(args, agent: Agent) {
    return (await agent.stat([args.path], {sha256: args.checksum !== false}))[0]!;
  },
  report(args, observed) {
    return {
      ok: observed.kind !== 'absent' ? `${args.path} is a ${observed.kind}` : `${args.path} does not exist`,
      result: {stat: {...statFields(observed), path: args.path}},
    };
  },
};

export const slurp: DataSource<{src: string}, Buffer | null> = {
  name: 'slurp',
  readOnly: true,
  schema: {
    type: 'object',
    description: "Register a file's content, base64-encoded like Ansible (result.content | b64decode).",
    properties: {src: {type: 'string', description: 'The file on the target.'}},
    required: ['src'],
    additionalProperties: false,
  },
  read(args, agent: Agent) {
    return agent.readFile(args.src);
  },
  report(args, content) {
    if (content === null)
      return {ok: `${args.src} does not exist`, result: {failed: true, msg: `file not found: ${args.src}`}};
    return {
      ok: `read ${content.length} bytes`,
      result: {content: content.toString('base64'), encoding: 'base64', source: args.src},
    };
  },
};

interface FindArgs {
  paths: string | string[];
  patterns?: string | string[];
  excludes?: string | string[];
  file_type?: 'file' | 'directory' | 'link' | 'any';
  hidden?: boolean;
  recurse?: boolean;
  depth?: number;
}

interface FindObserved {
  /** Everything listed under the existing directories, before patterns and type. */
  examined: number;
  matches: StatResult[];
  skipped: Record<string, string>;
}

const KIND_OF_TYPE: Record<string, FileKind | undefined> = {
  file: 'file',
  directory: 'directory',
  link: 'link',
  any: undefined,
};

export const find: DataSource<FindArgs, FindObserved> = {
  name: 'find',
  readOnly: true,
  schema: {
    type: 'object',
    description:
      "Register the paths under directories whose names match shell patterns, like Ansible's find (result.files, result.matched).",
    properties: {
      paths: {
        description: 'Absolute directories to search (a list, or comma-separated).',
        anyOf: [{type: 'string'}, {type: 'array', items: {type: 'string'}}],
      },
      patterns: {
        description: 'Shell patterns (* ? [seq]) the base name must match, any of them (default *).',
        anyOf: [{type: 'string'}, {type: 'array', items: {type: 'string'}}],
      },
      excludes: {
        description: 'Shell patterns of base names to leave out.',
        anyOf: [{type: 'string'}, {type: 'array', items: {type: 'string'}}],
      },
      file_type: {
        enum: ['file', 'directory', 'link', 'any'],
        description: 'What kind of path to match (default file).',
      },
      hidden: {type: 'boolean', description: 'Match names that start with a dot too (default false).'},
      recurse: {type: 'boolean', description: 'Descend into subdirectories (default false).'},
      depth: {type: 'integer', minimum: 1, description: 'With recurse: how many levels to descend (default: all).'},
    },
    required: ['paths'],
    additionalProperties: false,
  },
  async read(args, agent: Agent) {
    const paths = commaList(args.paths);
    const relative = paths.find((p) => !p.startsWith('/'));
    if (relative !== undefined)
      throw new PxeError('E_MODULE_ARGS', `find: '${relative}' is not an absolute path`, {
        hint: 'paths on the target start with /',
      });
    const depth = args.recurse ? args.depth : 1;
    // One round trip: the paths' kinds and the listing are asked for together (a file lists nothing,
    // a missing path only makes find complain about it).
    const [kinds, listing] = await Promise.all([
      agent.stat(paths, {sha256: false}),
      agent.exec(['find', ...paths, '-mindepth', '1', ...(depth ? ['-maxdepth', String(depth)] : []), '-print0']),
    ]);
    const skipped: Record<string, string> = {};
    for (const s of kinds)
      if (s.kind !== 'directory')
        skipped[s.path] = s.kind === 'absent' ? 'does not exist' : `is a ${s.kind}, not a directory`;
    const complaints = listing.stderr
      .toString()
      .split('\n')
      .filter((line) => line && !Object.keys(skipped).some((path) => line.includes(path)));
    if (listing.rc !== 0 && (complaints.length > 0 || Object.keys(skipped).length === 0)) {
      throw new PxeError('E_REMOTE', `find ${paths.join(' ')}: ${complaints.join('; ') || `exit ${listing.rc}`}`);
    }
    const listed = listing.stdout.toString('utf8').split('\0').filter(Boolean);
    const patterns = (args.patterns === undefined ? ['*'] : commaList(args.patterns)).map(globRegExp);
    const excludes = commaList(args.excludes).map(globRegExp);
    const named = listed.filter((path) => {
      const name = posix.basename(path);
      return (
        (args.hidden || !name.startsWith('.')) &&
        patterns.some((p) => p.test(name)) &&
        !excludes.some((p) => p.test(name))
      );
    });
    const kind = KIND_OF_TYPE[args.file_type ?? 'file'];
    const matches = (await agent.stat(named.sort(), {sha256: false})).filter(
      (s) => s.kind !== 'absent' && (kind === undefined || s.kind === kind),
    );
    return {examined: listed.length, matches, skipped};
  },
  report(_args, observed) {
    const skipped = Object.entries(observed.skipped).map(([path, why]) => `${path} ${why}`);
    return {
      ok: `${observed.matches.length} of ${observed.examined} paths matched${skipped.length ? `; skipped: ${skipped.join(', ')}` : ''}`,
      result: {
        files: observed.matches.map(statFields),
        matched: observed.matches.length,
        examined: observed.examined,
        skipped_paths: observed.skipped,
      },
    };
  },
};
