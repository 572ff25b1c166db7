/** Every difference pxeprov reports is a unified diff: file content, attributes, package and service state. */
import {createRequire} from 'node:module';

// diff loads on the first difference: a converged run and `validate` never need it.
const require = createRequire(import.meta.url);

const MAX_TEXT_DIFF = 512 * 1024;

/** A unified diff of two texts, labelled `a/<label>` and `b/<label>`; '' when they are equal. */
export function unifiedDiff(label: string, before: string, after: string): string {
  if (before === after) return '';
  const clean = label.replace(/^\/+/, '');
  const {createTwoFilesPatch} = require('diff') as typeof import('diff');
  return createTwoFilesPatch(`a/${clean}`, `b/${clean}`, before, after, undefined, undefined, {context: 3})
    .split('\n')
    .filter((line) => !line.startsWith('====='))
    .join('\n');
}

/** Key/value state as text, one `key: value` line each, for diffs of non-file state. */
export function stateText(state: Record<string, string | number | boolean | undefined>): string {
  return Object.entries(state)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}: ${value}\n`)
    .join('');
}

export function isText(content: Buffer): boolean {
  return content.length <= MAX_TEXT_DIFF && !content.includes(0);
}

/** Content diff that falls back to a one-line sha256 note for binary or large files. */
export function contentDiff(
  label: string,
  before: Buffer | null,
  after: Buffer,
  sha: {before?: string; after: string},
): string {
  // A file that exists but was not fetched (too large to show) is compared by hash.
  const unseen = before === null && sha.before !== undefined;
  if (!unseen && (before === null || isText(before)) && isText(after)) {
    return unifiedDiff(label, before?.toString('utf8') ?? '', after.toString('utf8'));
  }
  return unifiedDiff(
    `${label} (binary or large)`,
    sha.before === undefined ? '' : `sha256: ${sha.before}\n`,
    `sha256: ${sha.after}\n`,
  );
}
