/** Secrets never printed: variables named like password/secret/token/key (but not *_file paths) show as ********. */
import type {Vars} from './model.js';

export const REDACTED = '********';
/** Shorter values are not masked: masking every 'a' or '1' in the output would hide everything else. */
export const MIN_SECRET_LENGTH = 3;
const SECRET = /(^|_)(pass|passwd|password|passphrase|secret|token|key|apikey|credentials?)(_|$)/i;

export function isSecretName(name: string): boolean {
  return SECRET.test(name) && !/_(file|path|dir)$/i.test(name);
}

export function redactVars(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactVars);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Vars).map(([k, v]) => [k, isSecretName(k) && v !== null && v !== undefined && v !== '' ? REDACTED : redactVars(v)]));
  }
  return value;
}

/** Whether a secret-named variable holds a value anywhere in `value` (what redactVars would mask). */
export function holdsSecret(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(holdsSecret);
  if (value && typeof value === 'object') {
    return Object.entries(value as Vars).some(([k, v]) => (isSecretName(k) && v !== null && v !== undefined && v !== '') || holdsSecret(v));
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
