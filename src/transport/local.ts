/**
 * ansible_connection: local — the same agent, started the same way, in a child process of pxeprov:
 * `/bin/sh -c '<the command an SSH login would run>'` with its stdin/stdout as the agent's stream.
 * Same protocol, same read-only mode, same atomic writes, same become (sudo or su, run locally).
 */
import {spawn} from 'node:child_process';
import type {ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import {PxeError} from '../errors.js';
import type {AgentLink, AgentStream} from './channel.js';

/** How long a local agent gets to leave after its stdin closed before it is sent SIGTERM. */
const EXIT_GRACE_MS = 2000;

function localStream(child: ChildProcess): AgentStream {
  const {stdin, stdout, stderr} = child as ChildProcess & {
    stdin: NodeJS.WritableStream;
    stdout: NodeJS.ReadableStream;
    stderr: NodeJS.ReadableStream;
  };
  // A write after the agent died fails with EPIPE: its exit (or 'close') reports that, not a crash.
  stdin.on('error', () => undefined);
  const stream = {
    on(event: string, listener: (...args: unknown[]) => void) {
      if (event === 'data') stdout.on('data', listener);
      else if (event === 'drain') stdin.on('drain', listener);
      else child.on(event, listener);
      return stream;
    },
    off(event: string, listener: (...args: unknown[]) => void) {
      if (event === 'drain') stdin.off('drain', listener);
      else child.off(event, listener);
      return stream;
    },
    write: (chunk: Buffer) => stdin.write(chunk),
    end: () => stdin.end(),
    close: () => child.kill('SIGTERM'),
    pause: () => stdout.pause(),
    resume: () => stdout.resume(),
    stderr,
  };
  return stream as AgentStream;
}

export function openLocal(host: string): AgentLink {
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const lost: Array<(reason: string) => void> = [];
  return {
    exec: async (command) => {
      // SSH_CONNECTION of the session pxeprov itself may run in says nothing about this host's facts.
      const env = {...process.env};
      delete env.SSH_CONNECTION;
      // A session of its own, without pxeprov's terminal: sudo and su see what they see over SSH (no tty, the
      // password on stdin), and the agent ends on EOF, as over SSH, when pxeprov goes away.
      child = spawn('/bin/sh', ['-c', command], {stdio: 'pipe', env, detached: true});
      exited = once(child, 'close').then(
        () => undefined,
        () => undefined,
      );
      try {
        await once(child, 'spawn');
      } catch (error) {
        throw new PxeError('E_AGENT', `cannot start the local agent for ${host}: ${(error as Error).message}`, {
          where: {host},
          cause: error,
        });
      }
      child.on('close', (code, signal) =>
        lost.forEach((listener) => listener(`the local agent exited (${signal ?? `exit code ${code}`})`)),
      );
      return localStream(child);
    },
    onLost: (listener) => void lost.push(listener),
    end: () => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      child.stdin?.end();
      const running = child;
      setTimeout(
        () => running.exitCode === null && running.signalCode === null && running.kill('SIGTERM'),
        EXIT_GRACE_MS,
      ).unref();
    },
    get closed() {
      return exited;
    },
  };
}
