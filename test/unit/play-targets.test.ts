/** The plays' hosts and become, read before the roles load (config/playbook.ts playTargets), as loadPlaybook reads them. */
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, it} from 'node:test';
import {playTargets} from '../../src/config/playbook.js';

const dir = mkdtempSync(join(tmpdir(), 'pxeprov-play-targets-'));
after(() => rmSync(dir, {recursive: true, force: true}));

const cases: Array<[string, string, unknown]> = [
  [
    'plays with their hosts and become',
    '- name: Web\n  hosts: web\n  become: yes\n  become_user: app\n  roles: [x]\n- hosts: [db, cache]\n  tasks: []\n',
    [
      {name: 'Web', hosts: 'web', become: true, becomeUser: 'app'},
      {name: 'db,cache', hosts: 'db,cache', become: undefined, becomeUser: undefined},
    ],
  ],
  ['an import_playbook: left to loadPlaybook', '- import_playbook: other.yaml\n- hosts: all\n', undefined],
  ['a play without hosts', '- name: No hosts\n  tasks: []\n', undefined],
  ['not a list of plays', 'hosts: all\n', undefined],
  ['an empty file', '', undefined],
  ['YAML that does not parse', '- hosts: [all\n', undefined],
];

for (const [what, text, expected] of cases)
  it(what, () => {
    const file = join(dir, `${what.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(file, text);
    assert.deepEqual(playTargets(file), expected);
  });

it('a missing file: left to loadPlaybook', () => assert.equal(playTargets(join(dir, 'missing.yaml')), undefined));
