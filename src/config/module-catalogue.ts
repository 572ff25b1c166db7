/**
 * The modules as loading and validating inputs needs them: name, argument schema, free-form key. They are
 * read from the published schemas/tasks.schema.json, which every build writes from src/resources (a test
 * fails when the committed copy differs), so `validate` checks exactly what an editor's YAML language
 * server checks and never loads the modules' code.
 */
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {PACKAGE_ROOT} from './package-root.js';

/** Marks the string branch of a free-form module's schema with the argument a bare string fills. */
export const FREE_FORM_KEYWORD = 'x-pxeprov-free-form';

export interface ModuleSpec {
  name: string;
  schema: Record<string, unknown>;
  freeForm?: string;
}

interface PublishedTasksSchema {
  definitions: {
    task: {properties: Record<string, {anyOf?: Record<string, unknown>[]}>};
    modules: Record<string, Record<string, unknown>>;
  };
}

let catalogue: ReadonlyMap<string, ModuleSpec> | undefined;

export function moduleCatalogue(): ReadonlyMap<string, ModuleSpec> {
  if (catalogue) return catalogue;
  const published = JSON.parse(
    readFileSync(join(PACKAGE_ROOT, 'schemas', 'tasks.schema.json'), 'utf8'),
  ) as PublishedTasksSchema;
  const {task, modules} = published.definitions;
  catalogue = new Map(
    Object.entries(modules).map(([name, schema]) => {
      const freeForm = task.properties[name]?.anyOf?.find((branch) => FREE_FORM_KEYWORD in branch)?.[FREE_FORM_KEYWORD];
      return [name, {name, schema, ...(typeof freeForm === 'string' ? {freeForm} : {})}];
    }),
  );
  return catalogue;
}
