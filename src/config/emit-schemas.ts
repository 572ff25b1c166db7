/**
 * Publish the input schemas as JSON files for editors' YAML language servers (schemas/*.schema.json):
 * inventory, playbook, tasks (keywords plus every module's arguments, by plain and ansible.builtin. name),
 * vars and role meta. Every `npm run build` runs it (node dist/config/emit-schemas.js [DIR]), so the schemas
 * follow the modules' code; `npm run schemas` runs it alone.
 */
import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {modules} from '../resources/index.js';
import {FREE_FORM_KEYWORD} from './module-catalogue.js';
import {PACKAGE_ROOT} from './package-root.js';
import {inventorySchema, playbookSchema, roleMetaSchema, TASK_KEYWORDS, varsSchema} from './schemas.js';

const SCHEMA_BASE = 'https://github.com/pxeprov/pxeprov/schemas';

/** A string holding a template: it may render to any type, so an editor must accept it for any value. */
const TEMPLATE_STRING = {type: 'string', pattern: '\\{\\{|\\{%', description: 'A template: checked once rendered.'};
const SUBSCHEMA_MAPS = ['properties', 'patternProperties'];
const SUBSCHEMAS = ['items', 'additionalProperties', 'if', 'then', 'else', 'not'];
const SUBSCHEMA_LISTS = ['anyOf', 'oneOf', 'allOf'];

/**
 * The same schema where a template string may stand for any typed value (a boolean, a number, an enum, a
 * pattern): editors cannot render templates. The loader checks the exact schema after rendering instead.
 */
export function acceptingTemplates(schema: unknown): unknown {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const node = schema as Record<string, unknown>;
  const out = Object.fromEntries(
    Object.entries(node).map(([key, value]) => {
      if (SUBSCHEMA_MAPS.includes(key))
        return [key, Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, acceptingTemplates(v)]))];
      if (SUBSCHEMAS.includes(key)) return [key, acceptingTemplates(value)];
      if (SUBSCHEMA_LISTS.includes(key)) return [key, (value as unknown[]).map(acceptingTemplates)];
      return [key, value];
    }),
  );
  const types = node.type === undefined ? [] : [node.type].flat();
  const scalarTyped = types.length > 0 && !types.includes('string') && !types.includes('object');
  const constrained = ['enum', 'const', 'pattern', 'format', 'minLength', 'maxLength'].some((k) => k in node);
  return scalarTyped || constrained ? {anyOf: [out, TEMPLATE_STRING]} : out;
}

/**
 * The task schema: keywords, one module key (plain or ansible.builtin.) with that module's arguments. The
 * exact arguments live under definitions.modules, which is what the loader validates against after
 * rendering (module-catalogue.ts); tasks refer to definitions.templated_modules, the same accepting
 * template strings, for editors.
 */
export function tasksSchema(): Record<string, unknown> {
  const moduleProps: Record<string, unknown> = {};
  for (const [name, module] of modules) {
    const ref = {$ref: `#/definitions/templated_modules/${name}`};
    const args = module.freeForm
      ? {
          anyOf: [
            {type: 'string', description: `Free-form: the ${module.freeForm}.`, [FREE_FORM_KEYWORD]: module.freeForm},
            ref,
          ],
        }
      : {anyOf: [ref, {type: 'null'}]};
    moduleProps[name] = args;
    moduleProps[`ansible.builtin.${name}`] = args;
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `${SCHEMA_BASE}/tasks.schema.json`,
    title: 'pxeprov task list (a role’s tasks/main.yaml or handlers/main.yaml)',
    type: 'array',
    items: {$ref: '#/definitions/task'},
    definitions: {
      task: {
        type: 'object',
        properties: {
          ...TASK_KEYWORDS,
          ...Object.fromEntries(
            ['block', 'rescue', 'always'].map((k) => [
              k,
              {...TASK_KEYWORDS[k as 'block' | 'rescue' | 'always'], items: {$ref: '#/definitions/task'}},
            ]),
          ),
          ...moduleProps,
        },
        additionalProperties: false,
      },
      modules: Object.fromEntries([...modules].map(([name, module]) => [name, module.schema])),
      templated_modules: Object.fromEntries(
        [...modules].map(([name, module]) => [name, acceptingTemplates(module.schema)]),
      ),
    },
  };
}

/** Write every schema into `dir`; returns the files written. */
export function emitSchemas(dir = join(PACKAGE_ROOT, 'schemas')): string[] {
  mkdirSync(dir, {recursive: true});
  const files: Record<string, unknown> = {
    'inventory.schema.json': inventorySchema,
    'playbook.schema.json': playbookSchema,
    'tasks.schema.json': tasksSchema(),
    'vars.schema.json': varsSchema,
    'role-meta.schema.json': {
      $schema: 'http://json-schema.org/draft-07/schema#',
      $id: `${SCHEMA_BASE}/role-meta.schema.json`,
      title: 'pxeprov role meta/main.yaml',
      ...roleMetaSchema,
    },
  };
  return Object.entries(files).map(([name, schema]) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(schema, null, 2) + '\n');
    return file;
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const file of emitSchemas(process.argv[2])) process.stdout.write(`${file}\n`);
}
