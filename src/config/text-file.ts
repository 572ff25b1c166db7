/**
 * Input files as text: regular files only (a device, FIFO or socket would hang or never end: `-e @/dev/zero`),
 * and valid UTF-8 only (a Latin-1 byte would otherwise become U+FFFD and reach a target unnoticed).
 */
import {closeSync, constants, fstatSync, openSync, readFileSync, readdirSync, statSync, type Stats} from 'node:fs';
import {PxeError, type ErrorCode} from '../errors.js';

const utf8 = new TextDecoder('utf-8', {fatal: true, ignoreBOM: true});

export function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * A regular file's bytes. Opened without blocking (a FIFO with no writer would block the open), then
 * checked on the open descriptor, so what is checked is what is read.
 */
export function readRegularFile(file: string, what = 'file'): Buffer {
  const fail = (
    message: string,
    cause?: unknown,
    hint = what === 'playbook' ? 'give the playbook with -p/--playbook' : undefined,
  ) =>
    new PxeError('E_FILE_NOT_FOUND', `${what} ${file} ${message}`, {
      where: {file},
      expected: `a readable ${what} (a regular file) at this path`,
      hint,
      cause,
    });
  try {
    const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const stats = fstatSync(fd);
      if (!stats.isFile())
        throw fail(`is ${kindOf(stats)}`, undefined, `give the path of a file; pxeprov reads only regular files`);
      return readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (cause) {
    if (cause instanceof PxeError) throw cause;
    const code = (cause as NodeJS.ErrnoException).code;
    throw fail(code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`, cause);
  }
}

/** A regular file's bytes as strict UTF-8 text. */
export function readText(file: string, what = 'file', encodingCode: ErrorCode = 'E_YAML_SYNTAX'): string {
  return decodeUtf8(readRegularFile(file, what), file, what, encodingCode);
}

/** Strict UTF-8; the first invalid byte is named by line and column. */
export function decodeUtf8(bytes: Uint8Array, file: string, what: string, code: ErrorCode): string {
  try {
    return utf8.decode(bytes);
  } catch {
    // The bytes before the first invalid one decode and re-encode to themselves.
    const again = Buffer.from(Buffer.from(bytes).toString('utf8'), 'utf8');
    let bad = 0;
    while (bad < bytes.length && bytes[bad] === again[bad]) bad++;
    const lineStart = bytes.lastIndexOf(0x0a, bad - 1) + 1;
    const line = bytes.subarray(0, lineStart).filter((b) => b === 0x0a).length + 1;
    const col = utf8.decode(bytes.subarray(lineStart, bad)).length + 1;
    throw new PxeError(code, `${what} is not valid UTF-8 (byte 0x${bytes[bad]!.toString(16).padStart(2, '0')})`, {
      where: {file, line, col},
      expected: 'UTF-8 text',
      hint: 'save it as UTF-8 (from Latin-1: iconv -f latin1 -t utf-8 FILE > NEW)',
    });
  }
}

function unreadable(path: string, what: string, cause: unknown): PxeError {
  const code = (cause as NodeJS.ErrnoException).code;
  return new PxeError('E_FILE_NOT_FOUND', `${what} ${path} cannot be read (${code ?? String(cause)})`, {
    where: {file: path},
    expected: `a readable ${what}`,
    hint: 'fix its permissions or remove it: its variables are not silently left out',
    cause,
  });
}

/** A directory's entries; [] only when it does not exist (any other error is an input error). */
export function listDirectory(dir: string, what = 'directory'): string[] {
  try {
    return readdirSync(dir);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw unreadable(dir, what, cause);
  }
}

/** Whether a path is a directory; false only when it does not exist or is something else. */
export function isDirectory(path: string, what = 'directory'): boolean {
  try {
    return statSync(path).isDirectory();
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw unreadable(path, what, cause);
  }
}
