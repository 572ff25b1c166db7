/** lookup() / query(): each plugin on the control machine, with Ansible's search paths (role first, then playbook). */
import assert from 'node:assert/strict';
import {mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {renderString, renderValue} from '../../src/config/template.js';

let root: string;
let play: string;
let role: string;
const vars = () => ({playbook_dir: play, role_path: role, greeting: 'hi'});
const render = (template: string) => renderString(template, vars());

before(() => {
  root = mkdtempSync(join(tmpdir(), 'pxeprov-lookups-'));
  play = join(root, 'playbook');
  role = join(play, 'roles', 'web');
  for (const dir of [join(play, 'files'), join(play, 'templates'), join(role, 'files'), join(role, 'templates')])
    mkdirSync(dir, {recursive: true});
  writeFileSync(join(role, 'files', 'key.pub'), 'role key\n');
  writeFileSync(join(play, 'files', 'key.pub'), 'playbook key\n');
  writeFileSync(join(play, 'files', 'only-in-playbook.txt'), 'from the playbook\n\n');
  writeFileSync(join(play, 'beside.txt'), 'beside the playbook');
  writeFileSync(join(role, 'files', 'a.pub'), 'a');
  writeFileSync(join(role, 'files', 'b.pub'), 'b');
  writeFileSync(join(role, 'templates', 'motd.j2'), '{{ greeting }} from {{ role_path | basename }}\n');
  process.env.PXEPROV_LOOKUP_TEST = 'from env';
});
after(() => {
  rmSync(root, {recursive: true, force: true});
  delete process.env.PXEPROV_LOOKUP_TEST;
});

describe('lookup plugins', () => {
  // A function gives the expected text once the temp dirs exist.
  const cases: Array<[string, string | (() => string)]> = [
    ["{{ lookup('env', 'PXEPROV_LOOKUP_TEST') }}", 'from env'],
    ["{{ lookup('env', 'PXEPROV_NOT_SET', default='dflt') }}|{{ lookup('env', 'PXEPROV_NOT_SET') }}", 'dflt|'],
    ["{{ lookup('file', 'key.pub') }}", 'role key'],
    [
      "{{ lookup('file', 'only-in-playbook.txt') }}|{{ lookup('file', 'beside.txt') }}",
      'from the playbook|beside the playbook',
    ],
    ["{{ lookup('template', 'motd.j2') }}", 'hi from web\n'],
    ["{{ lookup('pipe', 'pwd') }}", () => play],
    ["{{ lookup('pipe', 'echo a; echo b') }}", 'a\nb'],
    ["{{ query('lines', 'printf \"x\\\\ny\\\\n\"') }} {{ lookup('lines', 'printf \"x\\\\ny\"') }}", "['x', 'y'] x,y"],
    [
      "{{ lookup('fileglob', '*.pub') }}",
      () => `${join(role, 'files', 'a.pub')},${join(role, 'files', 'b.pub')},${join(role, 'files', 'key.pub')}`,
    ],
    ["{{ query('fileglob', '*.none') }}", '[]'],
    ["{{ lookup('first_found', ['missing.cfg', 'b.pub']) }}", () => join(role, 'files', 'b.pub')],
    [
      "{{ lookup('first_found', {'files': ['key.pub'], 'paths': [playbook_dir ~ '/files']}) }}",
      () => join(play, 'files', 'key.pub'),
    ],
    ["{{ lookup('first_found', ['missing.cfg'], skip=true) }}|{{ lookup('file', 'missing', errors='ignore') }}", '|'],
    [
      "{{ lookup('env', 'PXEPROV_LOOKUP_TEST', 'HOME', wantlist=true) | length }} {{ q('env', 'PXEPROV_LOOKUP_TEST') }}",
      "2 ['from env']",
    ],
  ];
  for (const [template, expected] of cases) {
    it(template, () => {
      assert.equal(render(template), typeof expected === 'function' ? expected() : expected);
    });
  }

  it('errors name the plugin, the term and where it looked', () => {
    assert.throws(
      () => render("{{ lookup('file', 'nowhere.txt') }}"),
      (e: Error) =>
        e.message.includes("lookup('file'): nowhere.txt not found") && e.message.includes(join(role, 'files')),
    );
    assert.throws(() => render("{{ lookup('pipe', 'exit 3') }}"), /lookup\('pipe', "exit 3"\) exited 3/);
    assert.throws(() => render("{{ lookup('first_found', ['a.cfg', 'b.cfg']) }}"), /none of a.cfg, b.cfg was found/);
    assert.throws(
      () => render("{{ lookup('dig', 'example') }}"),
      /lookup\('dig'\) is not supported \(supported: env, file, template, pipe, lines, fileglob, first_found, password\)/,
    );
  });

  it('password: created once with the asked length and characters (mode 0600), then read back', () => {
    const first = render("{{ lookup('password', 'credentials/root length=12 chars=digits') }}");
    assert.match(first, /^\d{12}$/);
    const file = join(play, 'credentials', 'root');
    assert.equal(readFileSync(file, 'utf8'), `${first}\n`);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(render("{{ lookup('password', 'credentials/root length=12 chars=digits') }}"), first);
    assert.equal(
      renderValue("{{ lookup('password', 'credentials/root') }}", vars()),
      first,
      'an existing file wins over the options',
    );
    assert.match(
      render("{{ lookup('password', '/dev/null', length=30, chars=['ascii_lowercase', '-']) }}"),
      /^[a-z-]{30}$/,
    );
    assert.match(render("{{ lookup('password', '/dev/null') }}"), /^[A-Za-z0-9.,:_-]{20}$/);
    assert.throws(
      () => render("{{ lookup('password', '/dev/null encrypt=sha512_crypt') }}"),
      /option encrypt is not supported/,
    );
  });
});
