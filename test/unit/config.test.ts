/** Playbooks, roles, variables precedence, -e and YAML semantics. */
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {basename, join} from 'node:path';
import {describe, it} from 'node:test';
import {Ajv} from 'ajv';
import {emitSchemas} from '../../src/config/emit-schemas.js';
import {moduleCatalogue} from '../../src/config/module-catalogue.js';
import {modules} from '../../src/resources/index.js';
import {parseExtraVars} from '../../src/config/extra-vars.js';
import {loadInventory} from '../../src/config/inventory.js';
import {loadPlaybook} from '../../src/config/playbook.js';
import {renderTemplateFile, renderValue} from '../../src/config/template.js';
import {hostVars} from '../../src/config/vars.js';
import {parseYaml} from '../../src/config/yaml.js';
import {PxeError, PxeErrors} from '../../src/errors.js';
import {copy} from '../../src/resources/copy.js';
import type {TaskContext} from '../../src/resources/types.js';

const FIXTURES = join(import.meta.dirname, '../fixtures');

const yamlValues: Array<[string, unknown]> = [
  ['v: yes', true],
  ['v: off', false],
  ['v: y', 'y'],
  ['v: 0644', 420],
  ['v: 52:54:00:12:34:56', '52:54:00:12:34:56'],
  ['v: 2024-01-02', '2024-01-02'],
  ['v: 12:30', '12:30'],
  ["v: '0644'", '0644'],
  ['base: &b {x: 1}\nv:\n  <<: *b\n  y: 2', {x: 1, y: 2}],
];

describe('YAML is read like Ansible (YAML 1.1) minus its traps', () => {
  for (const [text, value] of yamlValues)
    it(text, () => assert.deepEqual((parseYaml(text, 't.yaml').value as {v: unknown}).v, value));
});

const extraVars: Array<[string[], Record<string, unknown>]> = [
  [['a=1 b="two words" c=\'x y\''], {a: '1', b: 'two words', c: 'x y'}],
  [['{"n": 1, "l": [1, 2]}'], {n: 1, l: [1, 2]}],
  [['{n: 1}'], {n: 1}],
  [['a=1', 'a=2 b=3', '{"b": 4}'], {a: '2', b: 4}],
  [['url=http://x/?a=b#frag'], {url: 'http://x/?a=b#frag'}],
  [[`@${join(FIXTURES, 'playbook-features/vars/site.yaml')}`], {level: 'vars_file', from_vars_file: 'v'}],
];
const badExtraVars = ['novalue', '{"a": ', '[1, 2]', '@/nonexistent.yaml', '9x=1', "a='open"];

describe('-e / --extra-vars', () => {
  for (const [values, vars] of extraVars) it(values.join(' | '), () => assert.deepEqual(parseExtraVars(values), vars));
  for (const value of badExtraVars) {
    it(`${value} is E_EXTRA_VARS`, () =>
      assert.throws(
        () => parseExtraVars([value]),
        (e: unknown) => e instanceof PxeErrors && e.errors[0]!.code === 'E_EXTRA_VARS' && !!e.errors[0]!.hint,
      ));
  }
});

describe('input files are regular files: a device or FIFO is refused at once, not read forever', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pxeprov-special-'));
  const fifo = join(dir, 'fifo.yaml');
  execFileSync('mkfifo', [fifo]);
  const refused = (code: string, kind: string) => (e: unknown) =>
    e instanceof PxeErrors
      ? e.errors.some((x) => x.code === code && x.message.includes(kind))
      : e instanceof PxeError && e.code === code && e.message.includes(kind);
  for (const [path, kind] of [
    ['/dev/zero', 'is a character device'],
    [fifo, 'is a FIFO'],
    [dir, 'is a directory'],
  ]) {
    it(`-e @${basename(path!)}`, () =>
      assert.throws(() => parseExtraVars([`@${path}`]), refused('E_EXTRA_VARS', kind!)));
    it(`playbook ${basename(path!)}`, () =>
      assert.throws(() => loadPlaybook(path!), refused('E_FILE_NOT_FOUND', kind!)));
  }
  it('inventory /dev/zero', () =>
    assert.throws(() => loadInventory('/dev/zero'), refused('E_FILE_NOT_FOUND', 'is a character device')));
  it('template /dev/zero', () =>
    assert.rejects(renderTemplateFile('/dev/zero', {}), refused('E_FILE_NOT_FOUND', 'is a character device')));
  it('copy src /dev/zero, named by a template validate could not follow', async () => {
    const ctx = {resolveFile: (src: string) => src} as unknown as TaskContext;
    for (const [path, kind] of [
      ['/dev/zero', 'is a character device'],
      [fifo, 'is a FIFO'],
    ]) {
      await assert.rejects(copy.prepare!({src: path!, dest: '/tmp/x'}, ctx), refused('E_FILE_NOT_FOUND', kind!));
    }
  });
});

describe('playbook loading', () => {
  const playbook = loadPlaybook(join(FIXTURES, 'playbook-features/site.yaml'));
  const play = playbook.plays[0]!;
  const byName = (name: string) => play.tasks.find((t) => t.name === name)!;

  it('orders pre_tasks, roles, tasks', () =>
    assert.deepEqual(
      play.tasks.map((t) => t.module),
      ['command', 'template', 'file', 'service', 'debug', 'debug', 'apt'],
    ));
  it('maps free-form args to the module key', () =>
    assert.deepEqual(byName('free-form command').args, {cmd: 'echo hi'}));
  it('strips ansible.builtin. and merges args:', () =>
    assert.deepEqual(byName('fqcn and args').args, {path: '/tmp/x', state: 'directory'}));
  it('accepts a template where a boolean is expected', () =>
    assert.deepEqual(byName('a templated boolean is fine until run time').args, {
      name: 'nginx',
      enabled: '{{ enable_nginx }}',
    }));
  it('parses old-style key=value args and flattens with_items', () => {
    const t = byName('old-style with_items and k=v args');
    assert.deepEqual(t.args, {name: '{{ item }}', state: 'present'});
    assert.deepEqual(t.loop, ['a', 'b', 'c']);
  });
  it('blocks and imports pass down when, tags and become', () => {
    const [inBlock, imported] = play.tasks.filter((t) => t.module === 'debug');
    assert.deepEqual(inBlock!.when, ["level == 'play'"]);
    assert.deepEqual(imported!.when, ["level == 'play'", '{{ from_play == "p" }}']);
    assert.equal(imported!.become, false);
    assert.deepEqual(imported!.tags, ['blocktag']);
  });
  it('roles: params, tags, handlers with listen, role dir', () => {
    const t = byName('web config');
    assert.equal(t.role?.name, 'web');
    assert.deepEqual(t.role?.params, {web_port: 8080});
    assert.deepEqual(t.tags, ['webtag']);
    assert.deepEqual(
      play.handlers.map((h) => [h.name, h.listen]),
      [['restart web', ['web changed']]],
    );
    assert.equal(play.become, true);
  });

  it("roles' meta dependencies run first, once per play unless their parameters differ or allow_duplicates", () => {
    const deps = loadPlaybook(join(FIXTURES, 'role-dependencies/site.yaml')).plays[0]!;
    const order = deps.tasks.map((t) => `${t.name}${t.role?.params.tool ? `(${t.role.params.tool})` : ''}`);
    assert.deepEqual(order, ['base', 'tools(curl)', 'web', 'tools(psql)', 'db', 'log', 'log']);
    const [base, curl, web, psql] = deps.tasks;
    for (const t of [base!, curl!, web!]) {
      assert.deepEqual(t.when, ['deploy_web'], `${t.name} inherits the when of the role that depends on it`);
      assert.deepEqual(t.tags, ['w']);
    }
    assert.deepEqual(psql!.when, [], "db's dependency does not get web's when");
    assert.deepEqual(
      deps.roles.map((r) => r.name),
      ['base', 'tools', 'web', 'tools', 'db', 'log', 'log'],
    );
  });

  it("import_role / include_role: the role's dependencies and tasks run in place with the task's when, tags and vars; its handlers join the play", () => {
    const imports = loadPlaybook(join(FIXTURES, 'role-dependencies/imports.yaml')).plays[0]!;
    assert.deepEqual(
      imports.tasks.map((t) => t.name),
      ['before', 'base', 'tools', 'web', 'tools other'],
    );
    const web = imports.tasks.find((t) => t.name === 'web')!;
    assert.deepEqual([web.when, web.vars, web.role?.name], [['deploy_web'], {extra: 1}, 'web']);
    assert.deepEqual(imports.tasks.find((t) => t.name === 'base')!.when, ['deploy_web']);
    assert.deepEqual(imports.tasks.at(-1)!.tags, ['t']);
    assert.deepEqual(
      imports.handlers.map((h) => h.name),
      ['restart web'],
    );
    assert.deepEqual(
      imports.roles.map((r) => r.name),
      ['base', 'tools', 'web', 'tools'],
    );
  });

  it('variable precedence', () => {
    const inventory = loadInventory(join(FIXTURES, 'bad/_shared/inventory.yaml'));
    const task = byName('web config');
    const vars = (extra = {}) =>
      hostVars(play, 'pxe1', inventory, extra, {os_family: 'Debian'}, {task, runtime: {registered: 1}});
    const v = vars();
    assert.equal(v.level, 'task');
    assert.equal(v.web_port, 8080, 'role params win over role defaults');
    assert.equal(v.web_default, 'd');
    assert.equal(v.from_vars_file, 'v');
    assert.equal(v.ansible_host, '10.0.0.2');
    assert.equal(v.ansible_os_family, 'Debian');
    assert.deepEqual(v.ansible_facts, {os_family: 'Debian'});
    assert.equal(v.registered, 1);
    assert.equal(v.inventory_hostname, 'pxe1');
    assert.deepEqual(v.group_names, ['pxe']);
    assert.deepEqual((v.groups as Record<string, string[]>).pxe, ['pxe1']);
    assert.equal(v.role_path, task.role!.dir);
    assert.equal(vars({level: 'extra'}).level, 'extra');
    assert.equal(renderValue('{{ hostvars.pxe1.ansible_host }}', v), '10.0.0.2');
    const playLevel = hostVars(play, 'pxe1', inventory, {});
    assert.equal(playLevel.level, 'role_vars', 'role vars > vars_files > play vars without a task');
  });
});

describe('published schemas', () => {
  it('the published tasks schema (as an editor uses it) accepts tasks, blocks, free-form modules, templates and the shipped roles, and rejects bad arguments', () => {
    const validateTasks = new Ajv({allErrors: true, strict: false}).compile(
      JSON.parse(readFileSync('schemas/tasks.schema.json', 'utf8')),
    );
    const good = [
      {name: 'free-form', command: 'echo hi'},
      {'ansible.builtin.file': {path: '/srv/tftp', state: 'directory', mode: '0755'}},
      {
        block: [{apt: {name: ['nginx'], state: 'present'}}],
        rescue: [{debug: 'msg=failed'}],
        always: [{service: {name: 'nginx', state: 'started'}}],
      },
      {find: {paths: '/srv/tftp/pxelinux.cfg', patterns: '01-*'}, register: 'menus'},
    ];
    assert.ok(validateTasks(good), JSON.stringify(validateTasks.errors));
    for (const bad of [
      [{apt: {name: 'nginx', stat: 'present'}}],
      [{service: {name: 'x', state: 'bogus'}}],
      [{dhcp_guard: {iface: 'eth0', force: 'yes please'}}],
      [{nosuchmodule: {}}],
      [{block: [{file: {}}]}],
    ]) {
      assert.ok(!validateTasks(bad), JSON.stringify(bad));
    }
    // An editor cannot render: a template string stands for any typed value (here a pattern and a boolean).
    assert.ok(
      validateTasks([{dhcp_guard: {iface: '{{ pxe_iface }}', force: '{{ dhcp_force }}'}}]),
      JSON.stringify(validateTasks.errors),
    );
    for (const role of readdirSync('roles')) {
      for (const file of ['tasks', 'handlers']
        .map((sub) => join('roles', role, sub, 'main.yaml'))
        .filter((f) => existsSync(f))) {
        assert.ok(
          validateTasks(parseYaml(readFileSync(file, 'utf8'), file).value),
          `${file}: ${JSON.stringify(validateTasks.errors?.slice(0, 2))}`,
        );
      }
    }
  });

  it('the loader knows every module as src/resources defines it (name, argument schema, free-form key)', () => {
    const loaderView = [...moduleCatalogue().values()].map((m) => [m.name, m.schema, m.freeForm]);
    assert.deepEqual(
      loaderView,
      [...modules.values()].map((m) => [m.name, m.schema, m.freeForm]),
    );
    assert.equal(moduleCatalogue().get('command')?.freeForm, 'cmd');
  });

  it('the committed schemas/*.schema.json are what the code generates (the build writes them: commit what it wrote)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pxeprov-schemas-'));
    try {
      for (const file of emitSchemas(dir)) {
        const name = join('schemas', basename(file));
        const generated = readFileSync(file, 'utf8');
        assert.equal(readFileSync(name, 'utf8'), generated, `${name} is stale: run npm run build`);
        // The build rewrites the working copy, so the copy git holds (staged or committed) is the one to compare.
        assert.equal(
          execFileSync('git', ['show', `:${name}`], {encoding: 'utf8'}),
          generated,
          `${name}: the build changed it, commit it`,
        );
      }
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });
});
