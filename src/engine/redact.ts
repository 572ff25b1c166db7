/** Secrets never reach output, diffs, JSON or logs: their values (and every decrypted vault value) are replaced wherever they appear. */
import type {Vars} from '../config/model.js';
import {isSecretName, maskSecrets, REDACTED as MASK} from '../config/redact.js';

/** The values of every variable whose name says it is a secret, at any depth. */
export function secretValues(vars: Vars): string[] {
  const found = new Set<string>();
  const walk = (value: unknown, secret: boolean, depth: number) => {
    if (depth > 8) return;
    if (typeof value === 'string' || typeof value === 'number') {
      if (secret && String(value).length >= 3) found.add(String(value));
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

export class Redactor {
  private secrets = new Set<string>();

  add(values: Iterable<string>): void {
    for (const value of values) this.secrets.add(value);
  }

  text(text: string): string;
  text(text: string | undefined): string | undefined;
  text(text: string | undefined): string | undefined {
    if (text === undefined) return undefined;
    let out = maskSecrets(text);
    for (const secret of this.secrets) out = out.split(secret).join(MASK);
    return out;
  }
}
