/** copy: a file's content from `content:`, a control-side `src:`, or a file already on the target (`remote_src`). */
import {decryptIfVault} from '../vault/keyring.js';
import {PxeError} from '../errors.js';
import {readRegularFile} from '../config/text-file.js';
import type {Agent} from '../transport/types.js';
import {attrsSchema, wantedAttrs, type AttrArgs} from './attrs.js';
import {
  applyContent,
  contentOptionsSchema,
  diffContent,
  readContent,
  validateArgv,
  type ContentObserved,
  type ContentPlan,
} from './content.js';
import type {Resource, TaskContext} from './types.js';

export interface CopyArgs extends AttrArgs {
  dest: string;
  content?: string;
  src?: string;
  remote_src?: boolean;
  force?: boolean;
  backup?: boolean;
  validate?: string;
  /** Set by prepare: the bytes to write. */
  bytes?: Buffer;
}

export const copy: Resource<CopyArgs, ContentObserved & {source?: Buffer | null}, ContentPlan> = {
  name: 'copy',
  schema: {
    type: 'object',
    description: 'Write a file from literal content, a file on the control machine, or a file already on the target.',
    properties: {
      dest: {type: 'string', description: 'Absolute path on the target.'},
      content: {type: 'string', description: 'The literal content of the file.'},
      src: {
        type: 'string',
        description:
          "A control-side file (role files/ first, then the playbook's dir), or with remote_src a path on the target.",
      },
      remote_src: {type: 'boolean', description: 'src is a path on the target.'},
      force: {
        type: 'boolean',
        description: 'Replace a file whose content differs (default true); false only creates a missing file.',
      },
      ...attrsSchema,
      ...contentOptionsSchema,
    },
    required: ['dest'],
    oneOf: [{required: ['content']}, {required: ['src']}],
    additionalProperties: false,
  },

  async prepare(args: CopyArgs, ctx: TaskContext): Promise<CopyArgs> {
    if (args.content !== undefined) return {...args, bytes: Buffer.from(args.content)};
    if (args.remote_src) return args;
    const path = ctx.resolveFile(args.src!);
    return {...args, bytes: decryptIfVault(readRegularFile(path, 'copy src'), path)};
  },

  async read(args: CopyArgs, agent: Agent) {
    const [observed, source] = await Promise.all([
      readContent(args.dest, agent, args.bytes),
      args.bytes === undefined ? agent.readFile(args.src!) : Promise.resolve(undefined),
    ]);
    return {...observed, source};
  },

  diff(args, observed) {
    const bytes = args.bytes ?? observed.source;
    if (bytes === null || bytes === undefined) {
      throw new PxeError('E_TASK', `remote src ${args.src} does not exist on the target`);
    }
    if (args.force === false && observed.stat.kind !== 'absent') return {ok: 'exists and force is false'};
    return diffContent(args.dest, bytes, wantedAttrs(args), observed, {
      backup: args.backup,
      validate: validateArgv(args.validate),
    });
  },

  apply: applyContent,
};
