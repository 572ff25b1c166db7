/** A password typed on the terminal (/dev/tty, so stdin stays free for data), echo off, as getpass does. */
import {openSync, writeSync} from 'node:fs';
import {ReadStream} from 'node:tty';
import {PxeError} from '../errors.js';

export async function promptHidden(question: string): Promise<string> {
  let fd: number;
  try {
    fd = openSync('/dev/tty', 'r+');
  } catch (cause) {
    throw new PxeError('E_VAULT', 'cannot ask for the vault password: there is no terminal', {
      expected: 'a terminal to type the password on',
      hint: 'give --vault-password-file FILE or --vault-id LABEL@FILE instead of a prompt',
      cause,
    });
  }
  const input = new ReadStream(fd);
  // Echo off before the prompt shows: nothing typed after it can appear.
  input.setRawMode(true);
  writeSync(fd, question);
  const finish = () => {
    input.setRawMode(false);
    writeSync(fd, '\n');
    input.destroy();
  };
  return new Promise<string>((resolve, reject) => {
    let typed: string[] = [];
    input.on('data', (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          finish();
          resolve(typed.join(''));
          return;
        }
        if (ch === '\u0003' || (ch === '\u0004' && typed.length === 0)) {
          finish();
          reject(
            new PxeError('E_VAULT', 'the vault password prompt was interrupted', {hint: 'type the password and Enter'}),
          );
          return;
        }
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else if (ch === '\u0015') typed = [];
        else typed.push(ch);
      }
    });
    input.on('error', (cause) => {
      input.destroy();
      reject(new PxeError('E_VAULT', `reading the terminal failed (${cause.message})`, {cause}));
    });
  });
}
