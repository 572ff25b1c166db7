/**
 * -e/--extra-vars, as in Ansible: `key=value key2="quoted value"` (values stay strings), `@vars.yaml` or
 * `@vars.json`, or an inline JSON/YAML object. Repeated -e merge in order, the later winning.
 */
import {resolve} from 'node:path';
import {collectErrors, PxeError, PxeErrors} from '../errors.js';
import type {Vars} from './model.js';
import {splitIniLine} from './inventory-ini.js';
import {loadYaml, parseYaml} from './yaml.js';

const EXPECTED = 'key=value pairs, @file.yaml, @file.json, or a JSON object';
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function fail(message: string, value: string, hint: string, cause?: unknown): PxeError {
  return new PxeError('E_EXTRA_VARS', `-e ${JSON.stringify(value)}: ${message}`, {expected: EXPECTED, hint, cause});
}

function asMapping(value: unknown, raw: string): Vars {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw fail('is not a mapping of variables', raw, 'give an object, e.g. {"pxe_ip": "10.0.0.1"}');
  return value as Vars;
}

export function parseExtraVar(raw: string, cwd = process.cwd()): Vars {
  const text = raw.trim();
  if (text.startsWith('@')) {
    const file = resolve(cwd, text.slice(1));
    try {
      return asMapping(loadYaml(file, 'extra vars file').value, raw);
    } catch (e) {
      if (e instanceof PxeError && e.code === 'E_FILE_NOT_FOUND')
        throw fail(
          e.message,
          raw,
          e.message.endsWith('does not exist')
            ? 'the path after @ is relative to the current directory'
            : (e.hint ?? 'give a readable file'),
          e,
        );
      throw e;
    }
  }
  if (text.startsWith('{')) {
    try {
      return asMapping(JSON.parse(text), raw);
    } catch (jsonError) {
      try {
        return asMapping(parseYaml(text, '-e').value, raw);
      } catch (e) {
        if (e instanceof PxeError) throw e;
        const detail = e instanceof PxeErrors ? e.errors[0]!.message : (jsonError as Error).message;
        throw fail(
          `is not a valid JSON object (${detail})`,
          raw,
          'quote the whole object for the shell: -e \'{"key": "value"}\'',
          jsonError,
        );
      }
    }
  }
  if (!text) throw fail('is empty', raw, 'remove the empty -e or give key=value');
  let tokens;
  try {
    tokens = splitIniLine(text, false);
  } catch (e) {
    throw fail((e as Error).message, raw, 'close the quote, e.g. key="a b"');
  }
  const vars: Vars = {};
  for (const t of tokens) {
    const eq = t.text.indexOf('=');
    const key = t.text.slice(0, eq);
    if (eq <= 0)
      throw fail(
        `expected key=value, got '${t.text}'`,
        raw,
        `write it as ${t.text}=VALUE, or use @file.yaml or a JSON object`,
      );
    if (!NAME.test(key))
      throw fail(
        `'${key}' is not a valid variable name`,
        raw,
        'names are letters, digits and _, not starting with a digit',
      );
    vars[key] = t.text.slice(eq + 1);
  }
  return vars;
}

/** All -e values merged in order; every malformed one reported. */
export function parseExtraVars(values: readonly string[] = [], cwd = process.cwd()): Vars {
  const errors: PxeError[] = [];
  const merged: Vars = {};
  for (const raw of values)
    Object.assign(
      merged,
      collectErrors(errors, () => parseExtraVar(raw, cwd)),
    );
  if (errors.length) throw new PxeErrors(errors);
  return merged;
}
