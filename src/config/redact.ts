/**
 * Secrets never printed. By name: variables named like password/secret/token/key (but not *_file paths)
 * show as ********. By value: every value decrypted from a vault, whatever its variable is called.
 */
import type {Vars} from './model.js';

export const REDACTED = '********';
/** Shorter values are not masked: masking every 'a' or '1' in the output would hide everything else. */
export const MIN_SECRET_LENGTH = 3;
const SECRET = /(^|_)(pass|passwd|password|passphrase|secret|token|key|apikey|credentials?)(_|$)/i;

export function isSecretName(name: string): boolean {
  return SECRET.test(name) && !/_(file|path|dir)$/i.test(name);
}

const secretTexts = new Set<string>();
let longestFirst: string[] | undefined;

/** Remember a decrypted value (and each of its lines, which diffs show one by one) as a secret. */
export function trackSecret(value: string): void {
  for (const part of [value, ...value.split(/\r?\n/).map((l) => l.trim())]) {
    if (part.length >= MIN_SECRET_LENGTH && !secretTexts.has(part)) {
      secretTexts.add(part);
      longestFirst = undefined;
    }
  }
}

/** Every string and number inside decrypted data (a whole vault file) is a secret. */
export function trackSecretValues(value: unknown, depth = 0): void {
  if (depth > 32) return;
  if (typeof value === 'string' || typeof value === 'number') trackSecret(String(value));
  else if (Array.isArray(value)) for (const item of value) trackSecretValues(item, depth + 1);
  else if (value && typeof value === 'object')
    for (const inner of Object.values(value)) trackSecretValues(inner, depth + 1);
}

/** Tracked secret values, longest first (so a secret that contains another is masked whole). */
export function trackedSecrets(): readonly string[] {
  return (longestFirst ??= [...secretTexts].sort((a, b) => b.length - a.length));
}

/** `text` with every tracked secret value replaced by ********. */
export function maskSecrets(text: string): string {
  let out = text;
  for (const secret of trackedSecrets()) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}

export function redactVars(value: unknown): unknown {
  if (typeof value === 'string') return maskSecrets(value);
  if (Array.isArray(value)) return value.map(redactVars);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Vars).map(([k, v]) => [
        k,
        isSecretName(k) && v !== null && v !== undefined && v !== '' ? REDACTED : redactVars(v),
      ]),
    );
  }
  return value;
}

/** Whether a secret-named variable holds a value anywhere in `value` (what redactVars would mask). */
export function holdsSecret(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(holdsSecret);
  if (value && typeof value === 'object') {
    return Object.entries(value as Vars).some(
      ([k, v]) => (isSecretName(k) && v !== null && v !== undefined && v !== '') || holdsSecret(v),
    );
  }
  return false;
}

/** Secret values that templates produced (the password lookup's result), masked like secret-named variables. */
const produced = new Set<string>();

export function addProducedSecret(value: string): void {
  if (value.length >= MIN_SECRET_LENGTH) produced.add(value);
}

export function producedSecrets(): ReadonlySet<string> {
  return produced;
}
