/** Ansible host ranges: `web[01:20]`, `db-[a:c]`, `node[0:10:2]` (begin:end[:step]), nested ranges too. */
import {PxeError} from '../errors.js';
import type {SourcePos} from './model.js';

const RANGE = /\[([^\]]*)\]/;
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Whether a host name holds a range (an IPv6 literal like `[::1]` does not). */
export function hasRange(name: string): boolean {
  const m = RANGE.exec(name);
  return (
    !!m &&
    /^[0-9a-zA-Z]*:[0-9a-zA-Z]*(:[0-9]*)?$/.test(m[1]!) &&
    !(m.index === 0 && (m[1]!.includes('::') || m[1]!.split(':').length > 3))
  );
}

export function expandHostRange(name: string, where?: SourcePos): string[] {
  if (!hasRange(name)) return [name];
  const m = RANGE.exec(name)!;
  const head = name.slice(0, m.index);
  const tail = name.slice(m.index + m[0].length);
  const fail = (why: string) =>
    new PxeError('E_INVENTORY', `bad host range '${name}': ${why}`, {
      where,
      expected: 'NAME[begin:end] or NAME[begin:end:step], e.g. web[01:20] or db-[a:c]',
      hint: 'numbers with leading zeros keep their width (begin and end of equal length); letters range over a-z then A-Z',
    });
  const bounds = m[1]!.split(':');
  const beg = bounds[0] || '0';
  const end = bounds[1] ?? '';
  if (!end) throw fail('the range has no end');
  const step = bounds[2] === undefined || bounds[2] === '' ? 1 : Number(bounds[2]);
  if (!Number.isInteger(step) || step < 1) throw fail('the step must be a positive integer');
  let items: string[];
  if (/^[a-zA-Z]$/.test(beg) && /^[a-zA-Z]$/.test(end)) {
    const [i, j] = [LETTERS.indexOf(beg), LETTERS.indexOf(end)];
    if (i > j) throw fail('begin comes after end');
    items = [];
    for (let k = i; k <= j; k += step) items.push(LETTERS[k]!);
  } else if (/^\d+$/.test(beg) && /^\d+$/.test(end)) {
    const width = beg.length > 1 && beg.startsWith('0') ? beg.length : 0;
    if (width && end.length !== width) throw fail('begin and end with leading zeros must have the same width');
    const [i, j] = [Number(beg), Number(end)];
    if (i > j) throw fail('begin is greater than end');
    items = [];
    for (let k = i; k <= j; k += step) items.push(String(k).padStart(width, '0'));
  } else {
    throw fail('begin and end must both be numbers or both be single letters');
  }
  return items.flatMap((item) => expandHostRange(head + item + tail, where));
}
