/** Templates, data-driven: (template, vars) → output, like Ansible's Jinja2. */
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {evalCondition, renderString, renderTemplateFile, renderValue} from '../../src/config/template.js';
import {PxeError} from '../../src/errors.js';

const vars = {
  net: '192.168.50.0/24',
  ip: '192.168.50.10/24',
  v6: '2001:db8::/64',
  start: "{{ net | ipaddr(100) | ipaddr('address') }}",
  list: [3, 1, 2, 1],
  flag: true,
  name: 'World',
  path: '/srv/tftp/pxelinux.cfg/default',
  d: {a: 1, b: {c: 2}},
  empty: [],
  nothing: null,
  yes_string: 'yes',
  hosts: [
    {name: 'a', mac: 'AA:01', profile: 'ks', tags: ['x']},
    {name: 'b', mac: 'AA:02', tags: []},
    {name: 'c', mac: 'AA:03', profile: '', kind: {os: 'debian'}},
  ],
};

const renders: Array<[string, string]> = [
  ['Hello {{ name }}!', 'Hello World!'],
  ['{{ name | lower }} {{ name | upper }}', 'world WORLD'],
  ["{{ name | replace('o', '0') }}", 'W0rld'],
  ["{{ missing | default('x') }} {{ missing | d('y') }} {{ '' | default('z', true) }}", 'x y z'],
  ["{{ list | join(',') }}", '3,1,2,1'],
  ["{{ list | unique | sort | join(' ') }}", '1 2 3'],
  ['{{ list | length }} {{ list | first }} {{ list | last }}', '4 3 1'],
  ["{{ 'abc123' | regex_replace('[0-9]+', '#') }}", 'abc#'],
  ["{{ 'host-42.lab' | regex_replace('^host-(\\\\d+).*$', 'n\\\\1') }}", 'n42'],
  ["{{ 'eth0: 10.0.0.1' | regex_search('\\\\d+\\\\.\\\\d+\\\\.\\\\d+\\\\.\\\\d+') }}", '10.0.0.1'],
  ['{{ d | to_json }}', '{"a":1,"b":{"c":2}}'],
  ['{{ d | to_nice_json }}', '{\n    "a": 1,\n    "b": {\n        "c": 2\n    }\n}'],
  ['{{ d | to_nice_yaml }}', 'a: 1\nb:\n    c: 2\n'],
  ['{{ \'{"k": [1]}\' | from_json | to_json }}', '{"k":[1]}'],
  ["{{ 'k: v' | from_yaml | to_json }}", '{"k":"v"}'],
  ["{{ 'pxe' | b64encode }} {{ 'cHhl' | b64decode }}", 'cHhl pxe'],
  ['{{ path | basename }} {{ path | dirname }}', 'default /srv/tftp/pxelinux.cfg'],
  [
    "{{ ['/inv', 'isos/a.iso'] | path_join }} {{ ['/inv', '/abs/a.iso'] | path_join }} {{ 'x' | path_join }}",
    '/inv/isos/a.iso /abs/a.iso x',
  ],
  ["{{ yes_string | bool }} {{ 'off' | bool }}", 'True False'],
  ["{{ '42' | int + 1 }} {{ 7 | string }}", '43 7'],
  ['{{ d | combine({"b": {"e": 3} }, recursive=true) | to_json }}', '{"a":1,"b":{"c":2,"e":3}}'],
  ['{{ d | dict2items | map(attribute="key") | join(",") }}', 'a,b'],
  ["{{ [{'key': 'x', 'value': 1}] | items2dict | to_json }}", '{"x":1}'],
  ["{{ \"it's here\" | quote }} {{ 'plain' | quote }}", `'it'"'"'s here' plain`],
  ["{{ 'pxe' | hash('sha256') }}", 'e387866de7696fa23d83a960f60ecaef6eec7ce52a9395ce45a0800563e98943'],
  [
    "{{ net | ipaddr('network') }} {{ net | ipaddr('netmask') }} {{ net | ipaddr('broadcast') }} {{ net | ipaddr('prefix') }}",
    '192.168.50.0 255.255.255.0 192.168.50.255 24',
  ],
  [
    "{{ ip | ipaddr('address') }} {{ ip | ipaddr('network/prefix') }} {{ ip | ipaddr('host') }} {{ ip | ipaddr('net') }}",
    '192.168.50.10 192.168.50.0/24 192.168.50.10/24 False',
  ],
  [
    "{{ net | ipaddr('net') }} {{ net | ipaddr(5) }} {{ net | nthhost(5) }} {{ net | nthhost(-2) }}",
    '192.168.50.0/24 192.168.50.5/24 192.168.50.5 192.168.50.254',
  ],
  [
    "{{ net | ipaddr('first_usable') }}-{{ net | ipaddr('last_usable') }} {{ net | ipaddr('size') }}",
    '192.168.50.1-192.168.50.254 256',
  ],
  [
    "{{ '10.0.0.0/8' | network_in_network('10.1.0.0/16') }} {{ '10.0.0.0/8' | network_in_network('11.0.0.0/16') }}",
    'True False',
  ],
  ["{{ 'not an ip' | ipaddr }} {{ v6 | ipaddr('network') }} {{ v6 | ipv4 }}", 'False 2001:db8:: False'],
  ["{{ '10.0.0.1' | ipmath(5) }}", '10.0.0.6'],
  ['{{ start }}', '192.168.50.100'],
  ['{{ list }} {{ flag }} {{ nothing }} {{ d }}', "[3, 1, 2, 1] True None {'a': 1, 'b': {'c': 2}}"],
  ['{% if flag %}\nyes\n{% endif %}\nend\n', 'yes\nend\n'],
  ['{% for x in list %}\n  - {{ x }}\n{% endfor %}', '  - 3\n  - 1\n  - 2\n  - 1\n'],
  ['{% if missing is defined %}a{% else %}b{% endif %}', 'b'],
  ["{{ 'x' if flag else 'y' }}", 'x'],
  ['{{ True }} {{ None }}', 'True None'],
  // {% for … if … %}: only the items that pass count for loop.index, loop.length and {% else %}
  ['{% for x in list if x > 1 %}{{ x }}:{{ loop.index }}/{{ loop.length }} {% endfor %}', '3:1/2 2:2/2 '],
  ['{% for x in list if x > 5 %}{{ x }}{% else %}none{% endfor %}', 'none'],
  ['{% for k, v in d.items() if k == "a" %}{{ k }}={{ v }}{% endfor %}', 'a=1'],
  [
    '{% for x in list if x > 1 %}{% for y in list if y < x %}{{ x }}{{ y }} {% endfor %}{% endfor %}',
    '31 32 31 21 21 ',
  ],
  ['{% for x in (list if flag else []) %}{{ x }}{% endfor %}', '3121'],
  // a macro sees the template's variables, as in Jinja, lazily rendered ones too
  [
    '{% macro m(x) %}{{ x }} {{ name }} {{ start }} {{ nope | default("d") }}{% endmacro %}{{ m(1) }}',
    '1 World 192.168.50.100 d',
  ],
  // select/reject and their attr forms: a named test with its arguments, else Python truth
  ["{{ hosts | selectattr('profile') | map(attribute='name') | join(',') }}", 'a'],
  ["{{ hosts | rejectattr('profile') | map(attribute='name') | join(',') }}", 'b,c'],
  ["{{ hosts | selectattr('tags') | map(attribute='name') | join(',') }}", 'a'],
  ["{{ hosts | selectattr('profile', 'defined') | map(attribute='name') | join(',') }}", 'a,c'],
  ["{{ hosts | selectattr('name', 'equalto', 'b') | map(attribute='mac') | join(',') }}", 'AA:02'],
  ["{{ hosts | rejectattr('name', 'in', ['a', 'c']) | map(attribute='name') | join(',') }}", 'b'],
  ["{{ hosts | selectattr('kind.os', 'eq', 'debian') | map(attribute='name') | join(',') }}", 'c'],
  ["{{ hosts | selectattr('mac', 'match', 'AA:0[12]') | map(attribute='name') | join(',') }}", 'a,b'],
  ["{{ [0, 1, [], [2], '', 'x'] | select | list | length }}", '3'],
  ["{{ [1, 2, 3, 4] | select('odd') | join(',') }} {{ [1, 2, 3, 4] | reject('lessthan', 3) | join(',') }}", '1,3 3,4'],
  [
    "{{ 'b' is in(['a', 'b']) }} {{ 'z' is in('xyz') }} {{ 'k' is in({'k': 1}) }} {{ 'q' is in(['a']) }}",
    'True True True False',
  ],
  // Ansible's set theory, by value, first list's order
  ['{{ [3, 1, 2, 1] | difference([2, 5]) }} {{ [3, 1, 2, 1] | intersect([1, 2, 5]) }}', '[3, 1] [1, 2]'],
  [
    '{{ [3, 1] | union([1, 4, 4]) }} {{ [3, 1] | symmetric_difference([1, 4]) }} {{ [3, 1, 3] | unique }}',
    '[3, 1, 4] [3, 4] [3, 1]',
  ],
  ["{{ [{'a': 1}, {'a': 2}] | difference([{'a': 1}]) }} {{ [{'a': 1}, {'a': 1}] | unique | length }}", "[{'a': 2}] 1"],
  // Python's *: string and list repetition, numbers multiply
  [
    "{{ '-' * 10 }}|{{ 3 * 'ab' }}|{{ 'x' * 0 }}|{{ 'x' * -2 }}|{{ 6 * 7 }}|{{ 2.5 * 3 }}",
    '----------|ababab|||42|7.5',
  ],
  ['{{ [1, [2]] * 2 }} {{ 2 * list }} {{ [] * 3 }} {{ list * 0 }}', '[1, [2], 1, [2]] [3, 1, 2, 1, 3, 1, 2, 1] [] []'],
  ["{{ '=' * (name | length) }}", '====='],
];

describe('renderString', () => {
  for (const [template, expected] of renders) {
    it(template, () => assert.equal(renderString(template, vars), expected));
  }
  it('password_hash is SHA-512 crypt (as openssl passwd -6), with a stable salt by default', () => {
    const a = renderString("{{ 'secret' | password_hash('sha512') }}", vars);
    assert.match(a, /^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/);
    assert.equal(renderString("{{ 'secret' | password_hash('sha512') }}", vars), a);
    assert.equal(
      renderString("{{ 'secret' | password_hash('sha512', 'saltsalt') }}", vars),
      '$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1',
    );
  });
});

const natives: Array<[unknown, unknown]> = [
  ['{{ list }}', [3, 1, 2, 1]],
  ['{{ flag }}', true],
  ['{{ d.b }}', {c: 2}],
  ['{{ list | length }}', 4],
  ['x{{ flag }}', 'xTrue'],
  [
    {a: ['{{ flag }}', '{{ name }}!'], n: 5},
    {a: [true, 'World!'], n: 5},
  ],
  ['{{ nothing }}', null],
];

describe('renderValue (native types for a lone {{ expr }})', () => {
  for (const [value, expected] of natives)
    it(JSON.stringify(value), () => assert.deepEqual(renderValue(value, vars), expected));
});

const conditions: Array<[string | boolean, boolean]> = [
  [true, true],
  ['flag', true],
  ['not flag', false],
  ['missing is defined', false],
  ['missing is not defined', true],
  ["'1' in ['1', '2']", true],
  ['3 in list', true],
  ['yes_string | bool', true],
  ['empty', false],
  ['list | length > 3', true],
  ['{{ flag }}', true],
  ['d.b.c == 2 and flag', true],
];

describe('evalCondition', () => {
  for (const [condition, expected] of conditions)
    it(String(condition), () => assert.equal(evalCondition(condition, vars), expected));
});

const undefinedCases: Array<[string, string]> = [
  ['{{ nope }}', "'nope' is undefined"],
  ['a {{ d.zzz }}', "'d.zzz' is undefined"],
  ['{% if nope %}x{% endif %}', "'nope' is undefined"],
  ['{{ nope | upper }}', "'nope' is undefined"],
  ['{% macro m(x) %}{{ x }} {{ nope }}{% endmacro %}{{ m(1) }}', "'nope' is undefined"],
  ['{% for x in list if x > nope %}{{ x }}{% endfor %}', "'nope' is undefined"],
  ['{{ self }}', 'refers to itself'],
];

describe('undefined variables are errors that name them', () => {
  for (const [template, message] of undefinedCases) {
    it(template, () =>
      assert.throws(
        () => renderString(template, {...vars, self: '{{ self }}'}, {file: 'play.yaml', line: 7, col: 9}),
        (e: unknown) =>
          e instanceof PxeError && e.code === 'E_TEMPLATE' && e.message.includes(message) && e.where.line === 7,
      ),
    );
  }
  for (const [template, message] of [
    ["{{ 'a' * 'b' }}", "unsupported operand type(s) for *: 'str' and 'str'"],
    ['{{ d * 2 }}', "unsupported operand type(s) for *: 'dict' and 'int'"],
    ["{{ 'ab' * 1.5 }}", "unsupported operand type(s) for *: 'str' and 'float'"],
    ['{{ [1, 2] * 100000000 }}', 'list * 100000000 would hold 200000000 items'],
  ]) {
    it(`${template} is an error, not NaN`, () =>
      assert.throws(
        () => renderString(template!, vars),
        (e: unknown) => e instanceof PxeError && e.code === 'E_TEMPLATE' && e.message.includes(message!),
      ));
  }
  it('evalCondition of an undefined name', () =>
    assert.throws(() => evalCondition('nope == 1', vars), /'nope' is undefined/));
  it('an include, import or extends cycle is one short error naming the chain; the same file included twice is no cycle', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pxeprov-tpl-'));
    writeFileSync(join(dir, 'base.j2'), '{% extends "base.j2" %}\n');
    writeFileSync(join(dir, 'twice.j2'), '{% include "line.j2" %}{% include "line.j2" %}');
    writeFileSync(join(dir, 'line.j2'), '-{{ name }}-\n');
    writeFileSync(join(dir, 'lookup.j2'), `x{{ lookup('template', '${join(dir, 'lookup.j2')}') }}\n`);
    for (const [file, chain] of [
      ['base.j2', 'base.j2:1 includes base.j2 again'],
      ['lookup.j2', 'lookup.j2:1 includes lookup.j2 again'],
    ]) {
      await assert.rejects(renderTemplateFile(join(dir, file!), vars), (e: unknown) => {
        const message = (e as Error).message;
        return (
          e instanceof PxeError &&
          e.code === 'E_TEMPLATE' &&
          message === `template include cycle: ${chain}` &&
          e.where.file === join(dir, file!)
        );
      });
    }
    assert.equal(await renderTemplateFile(join(dir, 'twice.j2'), vars), '-World-\n-World-\n');
  });
  it('a loop renders a template and the macros it imports from one compilation each; an edited file is read again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pxeprov-tpl-'));
    const macros = join(dir, 'args.j2');
    const menu = join(dir, 'menu.j2');
    writeFileSync(macros, '{% macro args(h) %}ip={{ h.ip }}{% endmacro %}');
    writeFileSync(menu, '{% from "args.j2" import args %}{{ host.name }} {{ args(host) }}\n');
    const compiler = createRequire(import.meta.url)('nunjucks/src/compiler') as {
      compile: (...args: unknown[]) => string;
    };
    const compile = compiler.compile;
    let compiles = 0;
    compiler.compile = (...args) => {
      compiles++;
      return compile(...args);
    };
    try {
      for (let i = 0; i < 20; i++)
        assert.equal(
          await renderTemplateFile(menu, {host: {name: `n${i}`, ip: `10.0.0.${i}`}}),
          `n${i} ip=10.0.0.${i}\n`,
        );
      assert.equal(compiles, 2, 'menu.j2 and args.j2, once each');
      writeFileSync(macros, '{% macro args(h) %}address={{ h.ip }}{% endmacro %}');
      assert.equal(await renderTemplateFile(menu, {host: {name: 'n', ip: '10.0.0.1'}}), 'n address=10.0.0.1\n');
      writeFileSync(menu, '{% from "args.j2" import args %}{{ args(host) }} for {{ host.name }}\n');
      assert.equal(await renderTemplateFile(menu, {host: {name: 'n', ip: '10.0.0.1'}}), 'address=10.0.0.1 for n\n');
    } finally {
      compiler.compile = compile;
    }
  });
  it('the compiled code of templates is kept for the next run, except for a template that holds a secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pxeprov-tpl-'));
    writeFileSync(join(dir, 'plain.j2'), 'host {{ name }}\n');
    writeFileSync(join(dir, 'secret.j2'), 'password s3cret-in-the-template {{ name }}\n');
    // A new process each run: it renders both templates and says how many texts it compiled.
    const script = `
      import {createRequire} from 'node:module';
      import {renderTemplateFile} from ${JSON.stringify(join(import.meta.dirname, '../../src/config/template.ts'))};
      import {trackSecretValues} from ${JSON.stringify(join(import.meta.dirname, '../../src/config/redact.ts'))};
      const compiler = createRequire(import.meta.url)('nunjucks/src/compiler');
      const compile = compiler.compile;
      let compiles = 0;
      compiler.compile = (...args) => (compiles++, compile(...args));
      trackSecretValues(['s3cret-in-the-template']);
      const out = (await renderTemplateFile(${JSON.stringify(join(dir, 'plain.j2'))}, {name: 'a'})) + (await renderTemplateFile(${JSON.stringify(join(dir, 'secret.j2'))}, {name: 'b'}));
      console.log(JSON.stringify({out, compiles}));`;
    const run = () =>
      JSON.parse(
        execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
          env: {...process.env, XDG_CACHE_HOME: dir, PXEPROV_CACHE: '1'},
          encoding: 'utf8',
        }),
      );
    const out = 'host a\npassword s3cret-in-the-template b\n';
    assert.deepEqual(run(), {out, compiles: 2});
    assert.deepEqual(run(), {out, compiles: 1}, 'plain.j2 from the stored code, secret.j2 compiled again');
    const stored = readdirSync(join(dir, 'pxeprov', 'template-code'))
      .map((f) => readFileSync(join(dir, 'pxeprov', 'template-code', f), 'utf8'))
      .join('');
    assert.ok(stored.includes('host '));
    assert.ok(!stored.includes('s3cret-in-the-template'));
  });
  it('a template file names the file and the line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pxeprov-tpl-'));
    const file = join(dir, 'dhcpd.conf.j2');
    writeFileSync(file, '# managed\nsubnet {{ net | ipaddr("network") }} {\n  next-server {{ pxe_ip }};\n}\n');
    await assert.rejects(
      renderTemplateFile(file, vars),
      (e: unknown) =>
        e instanceof PxeError && e.where.file === file && e.where.line === 3 && e.message.includes("'pxe_ip'"),
    );
    assert.equal(
      await renderTemplateFile(file, {...vars, pxe_ip: '192.168.50.2'}),
      '# managed\nsubnet 192.168.50.0 {\n  next-server 192.168.50.2;\n}\n',
    );
  });
});
