/**
 * Starting agent.sh: one command running `[sudo|su …] SHELL -c STAGE1` (an SSH exec channel, or a local
 * `sh -c` for ansible_connection: local). Stage 1 announces itself (frame S), reads a length line and
 * that many bytes with `head -c`, and evals them; the agent answers READY (frame R). Nothing is sent after
 * the script until READY, so a head that reads ahead (busybox) finds nothing more to take (a shell's own
 * read-ahead, on `sh -s`, would). `dd bs=1` was exact too, but one system call per byte: a third of the
 * target's CPU for a connection.
 * With a become password, sudo prompts with a random marker on stderr (su with its "Password:" prompt)
 * and only then gets the password on stdin: never in argv, never echoed.
 */
import {randomBytes} from 'node:crypto';
import {existsSync, readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {PxeError} from '../errors.js';
import {AgentChannel} from './channel.js';
import type {AgentStream} from './channel.js';
import {ProgressTimer} from './progress-timer.js';
import type {BecomeMethod} from './vars.js';

export const AGENT_VERSION = '1';

const STAGE1 = `printf '#PXP1 0 S 0\\n';IFS= read -r n||exit 97;s=$(head -c "$n")&&eval "$s"`;

let script: Buffer | undefined;

/** agent.sh without comment lines and indentation (it has no heredocs or multi-line strings). */
export function agentScript(): Buffer {
  if (!script) {
    const candidates = ['../agent/agent.sh', '../../src/agent/agent.sh'].map((p) =>
      fileURLToPath(new URL(p, import.meta.url)),
    );
    const file = candidates.find((f) => existsSync(f));
    if (!file) throw new Error('agent.sh not found next to the transport');
    const lines = readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.trimStart())
      .filter((l) => l && !l.startsWith('#'));
    script = Buffer.from(lines.join('\n') + '\n');
  }
  return script;
}

export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface BootOptions {
  shell: string;
  readOnly: boolean;
  become?: {method: BecomeMethod; user: string; password?: string};
}

/** The command line that starts the agent; `marker` is sudo's prompt when a password is given. */
export function agentCommand(options: BootOptions, marker: string): string {
  const shell = options.shell.split(/\s+/).filter(Boolean).map(shellQuote).join(' ');
  const mode = options.readOnly ? 'ro' : 'rw';
  const become = options.become;
  // SSH_CONNECTION is expanded by the login shell, before sudo drops it.
  if (become?.method === 'su') {
    // su runs `/bin/sh -c CMD ARGS…` as the user; its prompt is matched in the C locale.
    const inner = `exec ${shell} -c "$0" pxeprov "$1" "$2"`;
    return `LC_ALL=C su -s /bin/sh -c ${shellQuote(inner)} ${shellQuote(become.user)} ${shellQuote(STAGE1)} "$SSH_CONNECTION" ${mode}`;
  }
  const sudo = !become
    ? ''
    : become.password === undefined
      ? `sudo -n -u ${shellQuote(become.user)} -- `
      : `sudo -k -S -p ${shellQuote(marker)} -u ${shellQuote(become.user)} -- `;
  return `${sudo}${shell} -c ${shellQuote(STAGE1)} pxeprov "$SSH_CONNECTION" ${mode}`;
}

/** su's password prompt ("Password: ", no newline after it) at the end of its stderr. */
const SU_PROMPT = /assword[^\n]*:\s*$/;

export interface StartTimeouts {
  /** Start-up may go this long without a byte from the agent (time the control side was busy excluded). */
  startMs: number;
  requestMs: number;
}

/** Runs the agent's command through `exec` and starts the agent; resolves with the channel once it is READY. */
export async function startAgent(
  exec: (command: string) => Promise<AgentStream>,
  host: string,
  options: BootOptions,
  timeouts: StartTimeouts,
): Promise<{channel: AgentChannel; ready: string}> {
  const become = options.become;
  const password = become?.password;
  const marker = `[pxeprov-sudo-${randomBytes(6).toString('hex')}]`;
  const redact = (text: string) => (password ? text.split(password).join('********') : text);
  const stream = await exec(agentCommand(options, marker));
  const channel = new AgentChannel(host, stream, timeouts.requestMs, redact);
  const where = {host};
  const refused = (message: string, hint: string) => {
    channel.fail(() => new PxeError('E_BECOME', message, {where, hint}));
    stream.close();
  };
  let prompts = 0;
  let started = false;
  const ready = await new Promise<string>((resolve, reject) => {
    const timer = new ProgressTimer(timeouts.startMs, () => {
      const secs = timeouts.startMs / 1000;
      channel.fail(
        () =>
          new PxeError('E_TIMEOUT', `the agent on ${host} did not start: nothing came from it for ${secs}s`, {
            where,
            hint: `if ${host} is just slow (or very busy), give it longer with pxeprov_agent_timeout (seconds, default 10) in the inventory`,
          }),
      );
      stream.close();
    });
    const done = (error?: PxeError, value?: string) => {
      timer.stop();
      started = true;
      stream.stderr.off('data', onStderr);
      stream.off('data', onData);
      channel.boot = undefined;
      if (error) reject(error);
      else resolve(value!);
    };
    const onData = () => timer.progress();
    const onStderr = () => {
      timer.progress();
      if (!become) return;
      if (become.method === 'su') {
        if (prompts > 0 || !SU_PROMPT.test(channel.stderrTail)) return;
        prompts = 1;
        if (password === undefined)
          refused(
            `su on ${host} asks for the password of ${become.user}`,
            'set ansible_become_password (the password of the become user)',
          );
        else channel.send(Buffer.from(`${password}\n`));
        return;
      }
      if (password === undefined) return;
      const seen = channel.stderrTail.split(marker).length - 1;
      if (seen > prompts) {
        prompts = seen;
        if (prompts === 1) channel.send(Buffer.from(`${password}\n`));
        else
          refused(`sudo on ${host} refused the become password (as ${become.user})`, 'check ansible_become_password');
      }
    };
    stream.on('data', onData);
    stream.stderr.on('data', onStderr);
    channel.boot = {
      frame: (tag, payload) => {
        if (tag === 'S') {
          const body = agentScript();
          channel.send(Buffer.concat([Buffer.from(`${body.length}\n`), body]));
        } else if (tag === 'R') {
          done(undefined, payload.toString('utf8'));
        }
      },
      failed: (error) => done(error),
    };
    let code: number | undefined;
    stream.on('exit', (c: number | null) => {
      code = c ?? undefined;
    });
    stream.on('close', () => {
      if (started) return;
      const stderr = redact(
        channel.stderrTail
          .split(marker)
          .join('')
          .replace(/\bPassword: ?/g, '')
          .trim(),
      );
      if (become && /sudo|su:|password|authentication/i.test(stderr)) {
        const hint =
          become.method === 'su'
            ? `check ansible_become_user and ansible_become_password (the password of ${become.user})`
            : /password is required/i.test(stderr)
              ? 'set ansible_become_password, or allow NOPASSWD for this user in sudoers'
              : undefined;
        channel.fail(
          () =>
            new PxeError('E_BECOME', `${become.method} on ${host} refused: ${stderr.split('\n').slice(-2).join(' ')}`, {
              where,
              hint,
            }),
        );
      }
      channel.fail(
        () =>
          new PxeError(
            'E_AGENT',
            `the agent on ${host} exited before it was ready (exit code ${code ?? 'none'}): ${stderr || 'no error output'}`,
            {where},
          ),
      );
    });
  });
  const [name, version] = ready.split(' ');
  if (name !== 'pxeprov-agent' || version !== AGENT_VERSION) {
    throw new PxeError('E_AGENT', `unexpected agent greeting on ${host}: ${ready}`, {where});
  }
  return {channel, ready};
}
