/** Secrets never reach output, diffs, JSON or logs: their values (and every decrypted vault value) are replaced wherever they appear. */
import type {Vars} from '../config/model.js';
import {isSecretName, maskSecrets, MIN_SECRET_LENGTH, producedSecrets, REDACTED as MASK} from '../config/redact.js';

/** The values of every variable whose name says it is a secret, at any depth. */
export function secretValues(vars: Vars): string[] {
  const found = new Set<string>();
  const walk = (value: unknown, secret: boolean, depth: number) => {
    if (depth > 8) return;
    if (typeof value === 'string' || typeof value === 'number') {
      if (secret && String(value).length >= MIN_SECRET_LENGTH) found.add(String(value));
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item, secret, depth + 1);
    } else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) walk(inner, secret || isSecretName(key), depth + 1);
    }
  };
  for (const [key, value] of Object.entries(vars)) {
    if (key === 'hostvars' || key === 'groups') continue;
    walk(value, isSecretName(key), 0);
  }
  return [...found].sort((a, b) => b.length - a.length);
}

/** Masks the host's secrets and every secret a template produced so far (a password lookup's result). */
export class Redactor {
  private secrets = new Set<string>();

  add(values: Iterable<string>): void {
    for (const value of values) this.secrets.add(value);
  }

  /** The values each variable held when last walked: a variable walked before is walked again only once it changed. */
  private readonly walked = new Map<string, unknown>();

  /** secretValues of each source, skipping the variables that hold the value they held last time. */
  addVars(...sources: Vars[]): void {
    for (const vars of sources) {
      for (const [key, value] of Object.entries(vars)) {
        if (this.walked.has(key) && this.walked.get(key) === value) continue;
        this.walked.set(key, value);
        this.add(secretValues({[key]: value}));
      }
    }
  }

  /** A value with every string in it masked (a task's result: stdout, stderr, msg…). */
  value<T>(value: T): T {
    if (typeof value === 'string') return this.text(value) as T;
    if (Array.isArray(value)) return value.map((item) => this.value(item)) as T;
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, this.value(inner)])) as T;
    return value;
  }

  text(text: string): string;
  text(text: string | undefined): string | undefined;
  text(text: string | undefined): string | undefined {
    if (text === undefined) return undefined;
    let out = maskSecrets(text);
    // Longest first: a secret that holds a shorter one is masked whole.
    const secrets = [...this.secrets, ...producedSecrets()].sort((a, b) => b.length - a.length);
    for (const secret of secrets) out = out.split(secret).join(MASK);
    return out;
  }
}
