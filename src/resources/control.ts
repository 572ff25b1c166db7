/** debug, warn, assert, fail and set_fact: control-side modules that never touch the target. */
import {evalCondition, renderValue} from '../config/template.js';
import {PxeError} from '../errors.js';
import type {DataSource, TaskContext} from './types.js';

export interface DebugArgs {
  msg?: unknown;
  var?: string;
}

export const debug: DataSource<DebugArgs, null> = {
  name: 'debug',
  readOnly: true,
  freeForm: 'msg',
  schema: {
    type: 'object',
    description: 'Print a message or a variable.',
    properties: {
      msg: {description: 'The message (any value).'},
      var: {type: 'string', description: 'A variable name (or expression) to print.'},
    },
    additionalProperties: false,
  },
  async read() {
    return null;
  },
  /** As Ansible shows it: {"msg": …}, or {"<var>": its value} where var is an expression (result.stdout). */
  report(args, _observed, ctx: TaskContext) {
    const result = args.var === undefined ? {msg: args.msg ?? 'Hello world!'} : {[args.var]: debugVar(args.var, ctx)};
    const value = Object.values(result)[0];
    return {ok: typeof value === 'string' ? value : JSON.stringify(value), result, show: true};
  },
};

const NOT_DEFINED = 'VARIABLE IS NOT DEFINED!';

function debugVar(expression: string, ctx: TaskContext): unknown {
  if (!evalCondition(`(${expression}) is defined`, ctx.vars, ctx.task.pos)) return NOT_DEFINED;
  return renderValue(`{{ ${expression} }}`, ctx.vars, ctx.task.pos);
}

export interface AssertArgs {
  that: string | string[];
  fail_msg?: string;
  msg?: string;
  success_msg?: string;
  quiet?: boolean;
}

export const assert: DataSource<AssertArgs, null> = {
  name: 'assert',
  readOnly: true,
  schema: {
    type: 'object',
    description: 'Fail the host unless every condition holds.',
    properties: {
      that: {type: ['string', 'array'], items: {type: 'string'}, description: 'Jinja2 conditions, like when:.'},
      fail_msg: {type: 'string', description: 'The message when a condition is false.'},
      msg: {type: 'string', description: 'Alias of fail_msg.'},
      success_msg: {type: 'string', description: 'The message when all hold.'},
      quiet: {type: 'boolean', description: 'Say less on success.'},
    },
    required: ['that'],
    additionalProperties: false,
  },
  async read() {
    return null;
  },
  report(args, _observed, ctx: TaskContext) {
    for (const condition of Array.isArray(args.that) ? args.that : [args.that]) {
      if (!evalCondition(condition, ctx.vars, ctx.task.pos)) {
        throw new PxeError('E_TASK', args.fail_msg ?? args.msg ?? `assertion failed: ${condition}`, {
          where: {host: ctx.host, task: ctx.task.name},
          expected: condition,
        });
      }
    }
    return {ok: args.success_msg ?? 'all assertions passed'};
  },
};

export const set_fact: DataSource<Record<string, unknown>, null> = {
  name: 'set_fact',
  readOnly: true,
  definesVars: true,
  schema: {
    type: 'object',
    description: 'Set variables for this host from here on.',
    propertyNames: {pattern: '^[A-Za-z_][A-Za-z0-9_]*$'},
    additionalProperties: true,
  },
  async read() {
    return null;
  },
  report(args) {
    const {cacheable: _cacheable, ...facts} = args;
    return {ok: `set ${Object.keys(facts).join(', ')}`, facts};
  },
};

export const fail: DataSource<{msg?: string}, null> = {
  name: 'fail',
  readOnly: true,
  freeForm: 'msg',
  schema: {
    type: 'object',
    description: 'Fail the host with a message (use with when:).',
    properties: {msg: {type: 'string', description: 'Why.'}},
    additionalProperties: false,
  },
  async read() {
    return null;
  },
  report(args, _observed, ctx: TaskContext) {
    throw new PxeError('E_TASK', args.msg ?? 'Failed as requested from task', {
      where: {host: ctx.host, task: ctx.task.name},
    });
  },
};

export const warn: DataSource<{msg: string}, null> = {
  name: 'warn',
  readOnly: true,
  freeForm: 'msg',
  schema: {
    type: 'object',
    description: 'Show a warning in every output mode (also without -v and in check), without failing.',
    properties: {msg: {type: 'string', description: 'What the user must know.'}},
    required: ['msg'],
    additionalProperties: false,
  },
  async read() {
    return null;
  },
  report(args) {
    return {ok: args.msg, warning: true};
  },
};
