/**
 * Starting agent.sh: one exec channel running `[sudo] SHELL -c STAGE1`. Stage 1 announces itself
 * (frame S), reads a length line and exactly that many bytes with `dd bs=1` (no read-ahead, which
 * dash and busybox sh do on `sh -s`), and evals them; the agent answers READY (frame R).
 * With a become password, sudo prompts with a random marker on stderr and only then gets the
 * password on stdin: never in argv, never echoed.
 */
import {randomBytes} from 'node:crypto';
import {existsSync, readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import type {ClientChannel, Client} from 'ssh2';
import {PxeError} from '../errors.js';
import {AgentChannel} from './channel.js';

export const AGENT_VERSION = '1';

const STAGE1 = `printf '#PXP1 0 S 0\\n';IFS= read -r n||exit 97;s=$(dd bs=1 count="$n" 2>/dev/null)&&eval "$s"`;

let script: Buffer | undefined;

/** agent.sh without comment lines and indentation (it has no heredocs or multi-line strings). */
export function agentScript(): Buffer {
  if (!script) {
    const candidates = ['../agent/agent.sh', '../../src/agent/agent.sh'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
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
  become?: {user: string; password?: string};
}

/** The exec command line; `marker` is sudo's prompt when a password is given. */
export function agentCommand(options: BootOptions, marker: string): string {
  const shell = options.shell.split(/\s+/).filter(Boolean).map(shellQuote).join(' ');
  const become = options.become;
  const sudo = !become
    ? ''
    : become.password === undefined
      ? `sudo -n -u ${shellQuote(become.user)} -- `
      : `sudo -k -S -p ${shellQuote(marker)} -u ${shellQuote(become.user)} -- `;
  // SSH_CONNECTION is expanded by the login shell, before sudo drops it.
  return `${sudo}${shell} -c ${shellQuote(STAGE1)} pxeprov "$SSH_CONNECTION" ${options.readOnly ? 'ro' : 'rw'}`;
}

function openExec(client: Client, command: string, host: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, channel) => {
      if (error) reject(new PxeError('E_AGENT', `cannot start the agent on ${host}: ${error.message}`, {where: {host}, cause: error}));
      else resolve(channel);
    });
  });
}

/** Opens the channel and starts the agent; resolves with the channel once the agent is READY. */
export async function startAgent(client: Client, host: string, options: BootOptions, timeouts: {connectMs: number; requestMs: number}): Promise<{channel: AgentChannel; ready: string}> {
  const password = options.become?.password;
  const marker = `[pxeprov-sudo-${randomBytes(6).toString('hex')}]`;
  const redact = (text: string) => (password ? text.split(password).join('********') : text);
  const exec = await openExec(client, agentCommand(options, marker), host);
  const channel = new AgentChannel(host, exec, timeouts.requestMs, redact);
  const where = {host};
  let prompts = 0;
  let started = false;
  const ready = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      channel.fail(() => new PxeError('E_TIMEOUT', `the agent on ${host} did not start within ${timeouts.connectMs / 1000}s`, {where}));
      exec.close();
    }, timeouts.connectMs);
    const done = (error?: PxeError, value?: string) => {
      clearTimeout(timer);
      started = true;
      exec.stderr.off('data', onStderr);
      channel.boot = undefined;
      if (error) reject(error);
      else resolve(value!);
    };
    const onStderr = () => {
      if (password === undefined) return;
      const seen = channel.stderrTail.split(marker).length - 1;
      if (seen > prompts) {
        prompts = seen;
        if (prompts === 1) channel.send(Buffer.from(`${password}\n`));
        else {
          channel.fail(() => new PxeError('E_BECOME', `sudo on ${host} refused the become password (as ${options.become!.user})`, {where, hint: 'check ansible_become_password'}));
          exec.close();
        }
      }
    };
    exec.stderr.on('data', onStderr);
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
    exec.on('exit', (c: number | null) => {
      code = c ?? undefined;
    });
    exec.on('close', () => {
      if (started) return;
      const stderr = redact(channel.stderrTail.split(marker).join('').trim());
      if (/sudo|password/i.test(stderr)) {
        channel.fail(() =>
          new PxeError('E_BECOME', `sudo on ${host} refused: ${stderr.split('\n').slice(-2).join(' ')}`, {
            where,
            hint: /password is required/i.test(stderr) ? 'set ansible_become_password, or allow NOPASSWD for this user in sudoers' : undefined,
          }),
        );
      }
      channel.fail(() => new PxeError('E_AGENT', `the agent on ${host} exited before it was ready (exit code ${code ?? 'none'}): ${stderr || 'no error output'}`, {where}));
    });
  });
  const [name, version] = ready.split(' ');
  if (name !== 'pxeprov-agent' || version !== AGENT_VERSION) {
    throw new PxeError('E_AGENT', `unexpected agent greeting on ${host}: ${ready}`, {where});
  }
  return {channel, ready};
}
