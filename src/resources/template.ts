/** template: render a nunjucks (Jinja2-style) template from the role's templates/ and write it. */
import type {Agent} from '../transport/types.js';
import {attrsSchema, wantedAttrs, type AttrArgs} from './attrs.js';
import {applyContent, contentOptionsSchema, diffContent, readContent, validateArgv, type ContentObserved, type ContentPlan} from './content.js';
import type {Resource, TaskContext} from './types.js';

export interface TemplateArgs extends AttrArgs {
  src: string;
  dest: string;
  backup?: boolean;
  validate?: string;
  rendered?: Buffer;
}

export const template: Resource<TemplateArgs, ContentObserved> = {
  name: 'template',
  schema: {
    type: 'object',
    description: "Render a template (role templates/ first, then the playbook's dir) to a file on the target.",
    properties: {
      src: {type: 'string', description: 'The template file, usually NAME.j2.'},
      dest: {type: 'string', description: 'Absolute path on the target.'},
      ...attrsSchema,
      ...contentOptionsSchema,
    },
    required: ['src', 'dest'],
    additionalProperties: false,
  },

  async prepare(args: TemplateArgs, ctx: TaskContext) {
    return {...args, rendered: Buffer.from(await ctx.renderTemplateFile(args.src))};
  },

  read(args: TemplateArgs, agent: Agent) {
    return readContent(args.dest, agent);
  },

  diff(args, observed) {
    return diffContent(args.dest, args.rendered!, wantedAttrs(args), observed, {backup: args.backup, validate: validateArgv(args.validate)});
  },

  async apply(change, agent) {
    await applyContent(change.plan as ContentPlan, agent);
  },
};
