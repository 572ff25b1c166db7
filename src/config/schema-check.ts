/**
 * ajv errors → PxeErrors pointing at the YAML node. Compiling a schema costs milliseconds and a cold
 * `validate` needs a dozen, so compiled validators are cached (cache.ts) as ajv standalone code keyed by
 * the schema, the options and ajv's version; ajv itself loads only on a cache miss.
 */
import {createRequire} from 'node:module';
import type {Ajv, ErrorObject, ValidateFunction} from 'ajv';
import {PxeError, type ErrorCode} from '../errors.js';
import {cacheEnabled, cacheKey, cachePath, cacheWrite} from './cache.js';
import {didYouMean} from './suggest.js';
import {posAt, type YamlFile, type YamlPath} from './yaml.js';

const require = createRequire(import.meta.url);
const AJV_OPTIONS = {
  allErrors: true,
  strict: false,
  verbose: true,
  validateFormats: false,
  code: {source: true, optimize: false},
};

let ajv: Ajv | undefined;
let ajvVersion: string | undefined;
const compiled = new WeakMap<object, ValidateFunction>();

function compileFresh(schema: object, key: string): ValidateFunction {
  if (!ajv) {
    const {Ajv: AjvClass} = require('ajv') as typeof import('ajv');
    ajv = new AjvClass(AJV_OPTIONS);
  }
  const fn = ajv.compile(schema);
  if (cacheEnabled()) {
    const standalone = (require('ajv/dist/standalone/index.js') as {default: (a: Ajv, f: ValidateFunction) => string})
      .default;
    // The generated code requires ajv's runtime helpers: point them at this install of ajv.
    const code = standalone(ajv, fn).replace(
      /require\("(ajv\/dist\/[^"]+)"\)/g,
      (_m, p: string) => `require(${JSON.stringify(require.resolve(p))})`,
    );
    cacheWrite('validators', key, code, '.cjs');
  }
  return fn;
}

export function compile(schema: object): ValidateFunction {
  let fn = compiled.get(schema);
  if (fn) return fn;
  ajvVersion ??= (require('ajv/package.json') as {version: string}).version;
  const key = cacheKey(ajvVersion, AJV_OPTIONS, schema);
  try {
    const file = cachePath('validators', key, '.cjs');
    if (!file) throw new Error('no cache');
    fn = require(file) as ValidateFunction;
  } catch {
    // Not cached (or not loadable): compiled again, to the same validator.
    fn = compileFresh(schema, key);
  }
  compiled.set(schema, fn);
  return fn;
}

/** A value that Jinja renders at run time: its final type is unknown until then. */
export function isTemplate(value: unknown): value is string {
  return typeof value === 'string' && (value.includes('{{') || value.includes('{%'));
}

export interface CheckOptions {
  /** Where `data` sits inside the YAML file. */
  base?: YamlPath;
  code?: ErrorCode;
  /** Ignore type/enum/format errors on template strings (they may render to any type). */
  templates?: boolean;
  /** Prefix of messages, e.g. "module 'apt'". */
  what?: string;
}

const STRUCTURAL = new Set(['additionalProperties', 'required', 'dependentRequired', 'dependencies']);

export function checkSchema(
  schema: object,
  data: unknown,
  y: YamlFile | undefined,
  opts: CheckOptions = {},
): PxeError[] {
  const validate = compile(schema);
  if (validate(data)) return [];
  let errors = (validate.errors ?? []).filter((e) => e.keyword !== 'if');
  // A failed anyOf/oneOf reports every branch; keep only the summary.
  const alts = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').map((e) => e.schemaPath + '/');
  errors = errors.filter((e) => !alts.some((p) => e.schemaPath.startsWith(p)));
  if (opts.templates) errors = errors.filter((e) => STRUCTURAL.has(e.keyword) || !isTemplate(e.data));
  return errors.map((e) => toPxeError(e, y, opts));
}

function segments(instancePath: string): string[] {
  return instancePath === ''
    ? []
    : instancePath
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function label(segs: string[], opts: CheckOptions, data?: unknown): string {
  const name = [...segs].reverse().find((s) => !/^\d+$/.test(s));
  // An entry of a list (media_isos[2]) is named by its own name: key when it has one.
  const entry =
    /^\d+$/.test(segs.at(-1) ?? '') && typeof (data as {name?: unknown} | null)?.name === 'string'
      ? `entry '${(data as {name: string}).name}'`
      : undefined;
  const parts = [opts.what, name && `'${name}'`, entry].filter(Boolean);
  return parts.length ? parts.join(' ') + ': ' : '';
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  boolean: 'a boolean',
  integer: 'an integer',
  number: 'a number',
  null: 'null',
};

function toPxeError(e: ErrorObject, y: YamlFile | undefined, opts: CheckOptions): PxeError {
  const segs = segments(e.instancePath);
  const path = [...(opts.base ?? []), ...segs];
  const code = opts.code ?? 'E_SCHEMA';
  const at = (p: YamlPath, key = false) => (y ? {where: posAt(y, p, key)} : {});
  const props = Object.keys((e.parentSchema as {properties?: object} | undefined)?.properties ?? {});
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(e.params.additionalProperty);
      return new PxeError(code, `${opts.what ? opts.what + ': ' : ''}unknown key '${key}'`, {
        ...at([...path, key], true),
        expected: props.length ? `one of: ${props.join(', ')}` : 'no other keys',
        hint: didYouMean(key, props),
      });
    }
    case 'required': {
      const key = String(e.params.missingProperty);
      return new PxeError(code, `${label(segs, opts, e.data)}missing required key '${key}'`, {
        ...at(path),
        expected: `'${key}' to be set`,
      });
    }
    case 'type': {
      const types = String(e.params.type)
        .split(',')
        .map((t) => TYPE_WORDS[t] ?? t);
      return new PxeError(code, `${label(segs, opts)}must be ${types.join(' or ')}, not ${typeName(e.data)}`, {
        ...at(path),
        expected: types.join(' or '),
      });
    }
    case 'enum': {
      const allowed = (e.params.allowedValues as unknown[]).map(String);
      return new PxeError(code, `${label(segs, opts)}${JSON.stringify(e.data)} is not allowed`, {
        ...at(path),
        expected: `one of: ${allowed.join(', ')}`,
        hint: typeof e.data === 'string' ? didYouMean(e.data, allowed) : undefined,
      });
    }
    case 'anyOf':
    case 'oneOf':
      return new PxeError(code, `${label(segs, opts, e.data)}${typeName(e.data)} matches none of the allowed forms`, {
        ...at(path),
        expected: describeAlternatives(e.schema),
      });
    default:
      return new PxeError(code, `${label(segs, opts)}${e.message ?? 'is invalid'}`, {...at(path), expected: e.message});
  }
}

function describeAlternatives(schema: unknown): string | undefined {
  if (!Array.isArray(schema)) return undefined;
  const forms = schema.map(
    (s: {type?: string | string[]; description?: string; required?: string[]}) =>
      s.description ??
      (s.required
        ? `a mapping with ${s.required.join(', ')}`
        : [s.type ?? 'a value']
            .flat()
            .map((t) => TYPE_WORDS[t] ?? t)
            .join(' or ')),
  );
  return forms.join('; or ');
}
