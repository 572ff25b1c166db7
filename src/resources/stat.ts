/** stat and slurp: read-only modules whose result is registered (they also run in check mode). */
import type {Agent, StatResult} from '../transport/types.js';
import type {Resource} from './types.js';

export const stat: Resource<{path: string; checksum?: boolean}, StatResult> = {
  name: 'stat',
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
  diff(args, observed) {
    const exists = observed.kind !== 'absent';
    return {
      ok: exists ? `${args.path} is a ${observed.kind}` : `${args.path} does not exist`,
      result: {
        stat: {
          exists,
          path: args.path,
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
        },
      },
    };
  },
  async apply() {},
};

export const slurp: Resource<{src: string}, Buffer | null> = {
  name: 'slurp',
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
  diff(args, content) {
    if (content === null) return {ok: `${args.src} does not exist`, result: {failed: true, msg: `file not found: ${args.src}`}};
    return {ok: `read ${content.length} bytes`, result: {content: content.toString('base64'), encoding: 'base64', source: args.src}};
  },
  async apply() {},
};
