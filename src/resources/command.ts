/**
 * command and shell: run a program on the target. Not idempotent by nature: use creates/removes or
 * changed_when. Never run in check mode (reported as "would run").
 */
import {stateText, unifiedDiff} from '../report/diff.js';
import type {Agent, StatResult} from '../transport/types.js';
import type {Resource} from './types.js';

export interface CommandArgs {
  cmd?: string;
  argv?: string[];
  chdir?: string;
  creates?: string;
  removes?: string;
  stdin?: string;
  executable?: string;
}

export interface CommandPlan {
  argv: string[];
  chdir?: string;
  stdin?: string;
}

/** Split a command line like Python's shlex (quotes and backslashes; no shell features). */
export function splitCommand(cmd: string): string[] {
  const argv: string[] = [];
  let current: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < cmd.length) current += cmd[++i];
      else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      current ??= '';
    } else if (c === '\\' && i + 1 < cmd.length) {
      current = (current ?? '') + cmd[++i];
    } else if (/\s/.test(c)) {
      if (current !== undefined) argv.push(current);
      current = undefined;
    } else {
      current = (current ?? '') + c;
    }
  }
  if (current !== undefined) argv.push(current);
  return argv;
}

function commandSchema(shell: boolean) {
  return {
    type: 'object',
    description: shell
      ? 'Run a command line through /bin/sh on the target.'
      : 'Run a program (argv, no shell) on the target.',
    properties: {
      cmd: {
        type: 'string',
        description: shell ? 'The shell command line.' : 'The command line, split like shlex (no shell features).',
      },
      ...(shell
        ? {executable: {type: 'string', description: 'The shell (default /bin/sh).'}}
        : {
            argv: {
              type: 'array',
              items: {type: 'string'},
              minItems: 1,
              description: 'The argv, preferred over cmd: no quoting at all.',
            },
          }),
      chdir: {type: 'string', description: 'Run in this directory.'},
      creates: {type: 'string', description: 'Skip when this path exists.'},
      removes: {type: 'string', description: 'Skip when this path does not exist.'},
      stdin: {type: 'string', description: "Bytes for the command's standard input."},
    },
    additionalProperties: false,
  };
}

function makeCommand(name: 'command' | 'shell'): Resource<CommandArgs, StatResult[], CommandPlan> {
  const shell = name === 'shell';
  return {
    name,
    freeForm: 'cmd',
    action: true,
    schema: commandSchema(shell),

    read(args, agent: Agent) {
      const paths = [args.creates, args.removes].filter((p): p is string => p !== undefined);
      return paths.length ? agent.stat(paths) : Promise.resolve([]);
    },

    diff(args, stats) {
      const byPath = new Map(stats.map((s) => [s.path, s.kind]));
      if (args.creates && byPath.get(args.creates) !== 'absent') return {ok: `skipped: ${args.creates} exists`};
      if (args.removes && byPath.get(args.removes) === 'absent') return {ok: `skipped: ${args.removes} does not exist`};
      const argv = shell
        ? [args.executable ?? '/bin/sh', '-c', args.cmd ?? '']
        : (args.argv ?? splitCommand(args.cmd ?? ''));
      const plan: CommandPlan = {argv, chdir: args.chdir, stdin: args.stdin};
      return {
        summary: `run ${argv.join(' ')}`,
        diff: unifiedDiff(`${name}`, '', stateText({run: argv.join(' ')})),
        plan,
      };
    },

    async apply(plan, agent: Agent) {
      const result = await agent.exec(plan.argv, {cwd: plan.chdir, stdin: plan.stdin, timeout: 3600});
      const stdout = result.stdout.toString().replace(/\n$/, '');
      const stderr = result.stderr.toString().replace(/\n$/, '');
      return {
        result: {
          rc: result.rc,
          stdout,
          stderr,
          stdout_lines: stdout ? stdout.split('\n') : [],
          stderr_lines: stderr ? stderr.split('\n') : [],
          cmd: plan.argv,
          failed: result.rc !== 0,
          msg: result.rc === 0 ? '' : `non-zero return code ${result.rc}: ${stderr.split('\n').slice(-3).join(' | ')}`,
        },
      };
    },
  };
}

export const command = makeCommand('command');
export const shell = makeCommand('shell');
