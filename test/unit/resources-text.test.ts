import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {editBlock, type BlockInFileArgs} from '../../src/resources/blockinfile.js';
import {splitCommand} from '../../src/resources/command.js';
import {editLine, type LineInFileArgs} from '../../src/resources/lineinfile.js';

describe('lineinfile editLine', () => {
  const cases: [string, string | null, Partial<LineInFileArgs>, string | null][] = [
    ['appends a missing line', 'a\nb\n', {line: 'c'}, 'a\nb\nc\n'],
    ['leaves a present line', 'a\nc\n', {line: 'c'}, 'a\nc\n'],
    ['replaces the last regexp match', 'x=1\ny=2\nx=3\n', {regexp: '^x=', line: 'x=9'}, 'x=1\ny=2\nx=9\n'],
    [
      'inserts after the last insertafter match',
      'a\n[s]\nb\n[s]\nc\n',
      {line: 'new', insertafter: '^\\[s\\]'},
      'a\n[s]\nb\n[s]\nnew\nc\n',
    ],
    ['inserts before a match', 'a\nb\n', {line: 'new', insertbefore: '^b'}, 'a\nnew\nb\n'],
    ['inserts at BOF', 'a\n', {line: 'new', insertbefore: 'BOF'}, 'new\na\n'],
    ['insertafter without match goes to EOF', 'a\n', {line: 'new', insertafter: '^zzz'}, 'a\nnew\n'],
    ['removes every matching line', 'a\nx=1\nb\nx=2\n', {regexp: '^x=', state: 'absent'}, 'a\nb\n'],
    ['removes an exact line', 'a\nb\n', {line: 'a', state: 'absent'}, 'b\n'],
    [
      'backrefs substitutes groups',
      'port = 22\n',
      {regexp: '^port = (\\d+)', line: 'Port \\1', backrefs: true},
      'Port 22\n',
    ],
    ['backrefs without match changes nothing', 'a\n', {regexp: '^zzz(.*)', line: 'x\\1', backrefs: true}, 'a\n'],
    ['regexp without match but line present is kept', 'x=1\n', {regexp: '^y=', line: 'x=1'}, 'x=1\n'],
    ['missing file without create', null, {line: 'a'}, null],
    ['missing file with create', null, {line: 'a', create: true}, 'a\n'],
    ['a file without a final newline gets one', 'a', {line: 'b'}, 'a\nb\n'],
  ];
  for (const [name, before, args, after] of cases) {
    it(name, () => assert.equal(editLine(before, {path: '/f', ...args}), after));
  }
});

describe('blockinfile editBlock', () => {
  const begin = '# BEGIN ANSIBLE MANAGED BLOCK';
  const end = '# END ANSIBLE MANAGED BLOCK';
  const cases: [string, string | null, Partial<BlockInFileArgs>, string | null][] = [
    ['appends a new block', 'a\n', {block: 'x\ny'}, `a\n${begin}\nx\ny\n${end}\n`],
    ['replaces an existing block', `a\n${begin}\nold\n${end}\nb\n`, {block: 'new'}, `a\n${begin}\nnew\n${end}\nb\n`],
    ['is idempotent', `${begin}\nx\n${end}\n`, {block: 'x\n'}, `${begin}\nx\n${end}\n`],
    ['removes the block when absent', `a\n${begin}\nx\n${end}\nb\n`, {state: 'absent'}, 'a\nb\n'],
    ['custom marker', '', {block: 'x', marker: '// {mark} pxe', create: true}, '// BEGIN pxe\nx\n// END pxe\n'],
    ['inserts at BOF', 'a\n', {block: 'x', insertbefore: 'BOF'}, `${begin}\nx\n${end}\na\n`],
    ['missing file without create', null, {block: 'x'}, null],
  ];
  for (const [name, before, args, after] of cases) {
    it(name, () => assert.equal(editBlock(before, {path: '/f', ...args}), after));
  }
});

describe('command splitCommand', () => {
  const cases: [string, string[]][] = [
    ['echo hi', ['echo', 'hi']],
    ['  a   b  ', ['a', 'b']],
    [`printf '%s\\n' "a b" c`, ['printf', '%s\\n', 'a b', 'c']],
    ['a\\ b', ['a b']],
    [`x "" y`, ['x', '', 'y']],
    [`say "it\\"s"`, ['say', 'it"s']],
  ];
  for (const [cmd, argv] of cases) it(cmd, () => assert.deepEqual(splitCommand(cmd), argv));
});
