/**
 * Publish the input schemas as JSON files for editors' YAML language servers (schemas/*.schema.json):
 * inventory, playbook, tasks (keywords plus every module's arguments, by plain and ansible.builtin. name),
 * vars and role meta. The lead wires it as `npm run schemas`: node dist/config/emit-schemas.js [DIR].
 */
import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {modules} from '../resources/index.js';
import {FREE_FORM_KEYWORD} from './module-catalogue.js';
import {PACKAGE_ROOT} from './package-root.js';
import {inventorySchema, playbookSchema, roleMetaSchema, TASK_KEYWORDS, varsSchema} from './schemas.js';

const SCHEMA_BASE = 'https://github.com/pxeprov/pxeprov/schemas';

/**
 * The task schema: keywords, one module key (plain or ansible.builtin.) with that module's arguments. The
 * arguments live under definitions.modules, which is also what the loader validates against
 * (module-catalogue.ts).
 */
export function tasksSchema(): Record<string, unknown> {
  const moduleProps: Record<string, unknown> = {};
  for (const [name, module] of modules) {
    const ref = {$ref: `#/definitions/modules/${name}`};
    const args = module.freeForm ? {anyOf: [{type: 'string', description: `Free-form: the ${module.freeForm}.`, [FREE_FORM_KEYWORD]: module.freeForm}, ref]} : {anyOf: [ref, {type: 'null'}]};
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
        properties: {...TASK_KEYWORDS, ...Object.fromEntries(['block', 'rescue', 'always'].map((k) => [k, {...TASK_KEYWORDS[k as 'block' | 'rescue' | 'always'], items: {$ref: '#/definitions/task'}}])), ...moduleProps},
        additionalProperties: false,
      },
      modules: Object.fromEntries([...modules].map(([name, module]) => [name, module.schema])),
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
    'role-meta.schema.json': {$schema: 'http://json-schema.org/draft-07/schema#', $id: `${SCHEMA_BASE}/role-meta.schema.json`, title: 'pxeprov role meta/main.yaml', ...roleMetaSchema},
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
