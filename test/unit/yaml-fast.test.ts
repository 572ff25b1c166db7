/**
 * The fast first pass over YAML: what it reads gives the yaml library's value and every node's position
 * (as parseYaml configures the library); everything else it leaves to the library.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {parseFastYaml} from '../../src/config/yaml-fast.js';
import {posAt, YamlFile, type YamlPath} from '../../src/config/yaml.js';

/** Every path into a value, containers included, plus one that is not there under each container. */
function paths(value: unknown, path: YamlPath = []): YamlPath[] {
  const found: YamlPath[] = [path];
  if (Array.isArray(value)) {
    value.forEach((item, i) => found.push(...paths(item, [...path, i])));
    found.push([...path, value.length]);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) found.push(...paths(inner, [...path, key]));
    found.push([...path, 'not-there', 'deeper']);
  }
  return found;
}

const INVENTORY = `---
# racks
all:
  vars:
    ansible_user: admin      # who logs in
    pxe_domain: lab.example
  children:
    rack00000:
      vars:
        rack_row: 0
        rack_pdu: pdu-00000
      hosts:
        node000000.lab.example:
          ansible_host: 10.0.0.0
          ansible_port: 22
          mac: "52:54:00:00:00:00"
          pxe_profile: debian12-preseed
          serial: SN0000000000
          bmc: {address: 10.128.0.0, user: ipmi}
          tags: [compute, "gen0"]
        node000001.lab.example:

    pxe_servers:
      hosts:
        srv:
`;

const accepted: string[] = [
  INVENTORY,
  'a: 1\nb: -2\nc: 1.5\nd: +3\ne: 0\nf: -0.25\ng: 12345678901234\n',
  'yes_: yes\nno_: No\non_: ON\noff_: off\ny: y\nn: N\nt: true\nf: FALSE\nnull1: ~\nnull2: null\nnull3:\nempty: ""\n',
  'ip: 192.168.1.10\nmac: 52:54:00:12:34:56\ntime: 12:30\ndate: 2024-01-02\nurl: http://example.org:8080/a#b\nmode: "0644"\nversion: 1.2.3\n',
  's1: \'it\'\'s\'\ns2: "tab\\there \\"q\\" \\u00e9 \\x41 \\\\ end"\ns3: plain text with spaces   \ns4: a#b\ns5: -x\ns6: ünïcödé\n',
  '"quoted key": 1\n\'single\': 2\nkey with spaces: 3\n',
  'list:\n  - a\n  - 2\n  - {k: v, n: [1, [2, 3], {}]}\n  - []\n  - name: x\n    value: y\n',
  'list:\n- a\n- b\nnext: 1\n',
  '- name: task one\n  apt: {name: nginx}\n  tags: [a, b]\n- name: task two\n  file:\n    path: /x\n    state: directory\n',
  'deep:\n  deeper:\n    deepest:\n      - x:\n          y: z\n      -\n        w: 1\n',
  'flow: {a: 1, "b c": [x, "y, z"], d: {e: null}}\nseq: [ 1 , two , "three" ]  # trailing comment\n',
];

const declined: string[] = [
  'a: &anchor 1\nb: *anchor\n',
  'secret: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  3132\n',
  'text: |\n  line\n',
  'text: >\n  folded\n',
  'plain: first\n  continued\n',
  'quoted: "first\n  continued"\n',
  'a: 1\na: 2\n',
  'v: {{ var }}\n',
  'v: 0644\n',
  'v: 1_000\n',
  'v: 0x1f\n',
  'v: 1e3\n',
  'v: .5\n',
  'v: .inf\n',
  'base: {x: 1}\nv:\n  <<: {y: 2}\n',
  'a:\t1\n',
  'a: 1\r\nb: 2\r\n',
  'a: 1\n---\nb: 2\n',
  '? complex\n: value\n',
  '-\n- a\n',
  '- - nested\n',
  'a: # comment\n',
  'a: 1\n  b: 2\n',
  'a: b: c\n',
  '1: a\n',
  '"0": a\n',
  'v: [a, b,]\n',
  '__proto__: x\n',
  '%YAML 1.1\n---\na: 1\n',
  'scalar at the top\n',
  '',
  '# only a comment\n',
  'v: "\\q"\n',
  'v: [a\n',
];

describe('YAML fast first pass', () => {
  for (const text of accepted) {
    it(`reads ${JSON.stringify(text.slice(0, 60))} as the library does, positions included`, () => {
      const fast = parseFastYaml(text);
      assert.ok(fast, 'read by the fast pass');
      const library = new YamlFile('t.yaml', text, undefined);
      assert.deepEqual(library.doc.errors, []);
      const value = library.doc.toJS({maxAliasCount: 1000});
      assert.deepEqual(fast.value, value);
      const fastFile = new YamlFile('t.yaml', text, fast.value, undefined, undefined, fast);
      for (const path of paths(value)) {
        for (const key of [false, true])
          assert.deepEqual(posAt(fastFile, path, key), posAt(library, path, key), `${JSON.stringify(path)} key=${key}`);
      }
    });
  }
  for (const text of declined) {
    it(`leaves ${JSON.stringify(text.slice(0, 60))} to the library`, () =>
      assert.equal(parseFastYaml(text), undefined));
  }
});
