/**
 * Adding a module touches its file and the registry only: in a copy of the package with one more module
 * registered, the build's schema step (emit-schemas) publishes its arguments and `validate` checks them,
 * with nothing written by hand.
 */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {stringify} from 'yaml';

const ROOT = resolve(import.meta.dirname, '../..');

/** A new module, shaped like debug (whatever the contract's shape) with arguments of its own. */
const GREETING_MODULE = `import {debug} from './control.js';

const {freeForm: _freeForm, ...shown} = debug;

export const greeting = {
  ...shown,
  name: 'greeting',
  schema: {
    type: 'object',
    description: 'Say hello a number of times.',
    properties: {times: {type: 'integer', minimum: 1, description: 'How many times.'}},
    required: ['times'],
    additionalProperties: false,
  },
};
`;

/** Validates each playbook through the package copy's own code; prints "== name", then ok or one formatted error a line. */
const VALIDATE = `import {errorsOf, formatError} from './src/errors.js';
import {validate} from './src/config/validate.js';
const [inventory, ...playbooks] = process.argv.slice(2);
for (const playbook of playbooks) {
  process.stdout.write(\`== \${playbook}\\n\`);
  try {
    validate({inventory, playbook});
    process.stdout.write('ok\\n');
  } catch (e) {
    const errors = errorsOf(e);
    if (!errors) throw e;
    process.stdout.write(errors.map(formatError).join('\\n') + '\\n');
  }
}
`;

let dir: string;
let pkg: string;

function run(args: string[]): {code: number | null; stdout: string; stderr: string} {
  const r = spawnSync(process.execPath, ['--import', 'tsx', ...args], {
    cwd: pkg,
    encoding: 'utf8',
    env: {...process.env, XDG_CACHE_HOME: join(dir, 'cache')},
  });
  return {code: r.status, stdout: r.stdout, stderr: r.stderr};
}

function playbook(name: string, args: unknown): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify([{hosts: 'all', gather_facts: false, tasks: [{name: 'Greet', greeting: args}]}]));
  return file;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'pxeprov-new-module-'));
  pkg = join(dir, 'pkg');
  for (const part of ['src', 'schemas', 'package.json']) cpSync(join(ROOT, part), join(pkg, part), {recursive: true});
  symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
  writeFileSync(join(pkg, 'src/resources/greeting.ts'), GREETING_MODULE);
  const registry = join(pkg, 'src/resources/index.ts');
  const source = readFileSync(registry, 'utf8');
  const registered = source
    .replace(/^(const all\b[^=]*=\s*\[)/m, '$1greeting, ')
    .replace(/^import /m, "import {greeting} from './greeting.js';\nimport ");
  assert.notEqual(registered, source, 'the registry list was found');
  writeFileSync(registry, registered);
  writeFileSync(join(pkg, 'validate.ts'), VALIDATE);
  writeFileSync(join(dir, 'inventory.yaml'), stringify({all: {hosts: {pxe1: {ansible_host: '192.0.2.10'}}}}));
});

after(() => rmSync(dir, {recursive: true, force: true}));

describe('a newly registered module', () => {
  it('is unknown to validate until the build publishes the schemas, then its arguments are checked', () => {
    const validate = (...playbooks: string[]) => {
      const r = run(['validate.ts', join(dir, 'inventory.yaml'), ...playbooks]);
      assert.equal(r.code, 0, r.stderr);
      return new Map(
        r.stdout
          .split(/^== /m)
          .slice(1)
          .map((part) => [part.slice(0, part.indexOf('\n')), part.slice(part.indexOf('\n') + 1)]),
      );
    };
    const bad = playbook('bad', {times: 'many'});
    assert.match(validate(bad).get(bad)!, /^error\[E_UNKNOWN_MODULE\] .*bad\.yaml:5:7: unknown module 'greeting'$/m);

    const emitted = run(['src/config/emit-schemas.ts']);
    assert.equal(emitted.code, 0, emitted.stderr);

    const [missing, good] = [playbook('missing', {}), playbook('good', {times: 2})];
    const results = validate(bad, missing, good);
    assert.match(
      results.get(bad)!,
      new RegExp(
        `^error\\[E_MODULE_ARGS\\] ${bad.replaceAll('.', '\\.')}:6:16: module 'greeting' 'times': must be an integer`,
        'm',
      ),
    );
    assert.match(results.get(bad)!, /^ {2}expected: an integer$/m);
    assert.match(
      results.get(missing)!,
      /^error\[E_MODULE_ARGS\] .*missing\.yaml:5:\d+: .*times/m,
      'a required argument is required',
    );
    assert.equal(results.get(good), 'ok\n');
  });

  it('is published by every build: the build runs the schema step', () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {scripts: Record<string, string>})
      .scripts;
    assert.match(scripts.build!, /\bnode dist\/config\/emit-schemas\.js\b/);
  });
});
