/** The run's lock on a target: the first try travels with the state dir's mkdir; a mkdir that fails is the error. */
import assert from 'node:assert/strict';
import {it} from 'node:test';
import {lockTarget} from '../../src/engine/target-lock.js';
import {PxeError} from '../../src/errors.js';
import type {Agent} from '../../src/transport/types.js';

/** An agent with mkdir and lock only, recording the requests; mkdir answers when the test says so. */
function stubAgent(lock: () => Promise<string | undefined>) {
  const requests: string[] = [];
  let answerMkdir!: (error?: Error) => void;
  const agent = {
    host: 'h',
    mkdir: (path: string) => {
      requests.push(`mkdir ${path}`);
      return new Promise<void>((resolve, reject) => (answerMkdir = (error) => (error ? reject(error) : resolve())));
    },
    lock: (dir: string) => {
      requests.push(`lock ${dir}`);
      return lock();
    },
  } as unknown as Agent;
  return {agent, requests, answerMkdir: (error?: Error) => answerMkdir(error)};
}

it('asks for the lock right behind the mkdir of the state dir: one round trip', async () => {
  const {agent, requests, answerMkdir} = stubAgent(async () => undefined);
  const locked = lockTarget(agent, {stateDir: '/run/pxeprov', timeoutS: 1});
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(requests, ['mkdir /run/pxeprov', 'lock /run/pxeprov/run.lock'], 'both sent before mkdir answered');
  answerMkdir();
  await locked;
});

it('a state dir that cannot be made fails with that error, not the lock attempt behind it', async () => {
  const {agent, answerMkdir} = stubAgent(() => Promise.reject(new PxeError('E_REMOTE', 'lock: no such directory')));
  const locked = lockTarget(agent, {stateDir: '/ro/state', timeoutS: 1});
  answerMkdir(new PxeError('E_REMOTE', 'mkdir /ro/state: read-only file system'));
  await assert.rejects(locked, /read-only file system/);
});
