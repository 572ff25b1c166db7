/** template: render a nunjucks (Jinja2-style) template from the role's templates/ and write it. */
import {readFileSync} from 'node:fs';
import type {Agent} from '../transport/types.js';
import {explainRefusal} from './config-check.js';
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
import {isChange, type Resource, type TaskContext} from './types.js';

export interface TemplateArgs extends AttrArgs {
  src: string;
  dest: string;
  backup?: boolean;
  validate?: string;
  rendered?: Buffer;
  /** The template file, for naming its line when a check refuses the result. */
  templatePath?: string;
}

export interface TemplatePlan extends ContentPlan {
  templatePath: string;
}

export const template: Resource<TemplateArgs, ContentObserved, TemplatePlan> = {
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
    return {
      ...args,
      rendered: Buffer.from(await ctx.renderTemplateFile(args.src)),
      templatePath: ctx.resolveTemplate(args.src),
    };
  },

  read(args: TemplateArgs, agent: Agent) {
    return readContent(args.dest, agent, args.rendered);
  },

  diff(args, observed) {
    const change = diffContent(args.dest, args.rendered!, wantedAttrs(args), observed, {
      backup: args.backup,
      validate: validateArgv(args.validate),
    });
    return isChange(change) ? {...change, plan: {...change.plan, templatePath: args.templatePath!}} : change;
  },

  async apply(plan, agent) {
    try {
      await applyContent(plan, agent);
    } catch (error) {
      explainRefusal(
        error,
        plan.path,
        plan.templatePath,
        readFileSync(plan.templatePath, 'utf8'),
        plan.content.toString(),
      );
    }
  },
};
