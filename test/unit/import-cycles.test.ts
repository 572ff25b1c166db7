/** No import cycle in src/: each file can be read (and changed) after the files it imports. */
import assert from 'node:assert/strict';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {after, describe, it} from 'node:test';
import {importCycles, importedSpecifiers, importGraph, type ImportGraph} from '../helpers/import-graph.js';

const chains = (cycles: string[][]) => cycles.map((cycle) => cycle.join(' -> '));

describe('import cycles', () => {
  it('src/ has none', () => {
    assert.deepEqual(chains(importCycles(importGraph('src'))), []);
  });

  const cases: {what: string; graph: Record<string, string[]>; cycles: string[]}[] = [
    {what: 'a chain without a way back', graph: {'a.ts': ['b.ts'], 'b.ts': ['c.ts'], 'c.ts': []}, cycles: []},
    {
      what: 'two files importing each other',
      graph: {'a.ts': ['b.ts'], 'b.ts': ['a.ts']},
      cycles: ['a.ts -> b.ts -> a.ts'],
    },
    {what: 'a file importing itself', graph: {'a.ts': ['a.ts']}, cycles: ['a.ts -> a.ts']},
    {
      what: 'a long way round, entered from outside',
      graph: {'x.ts': ['a.ts'], 'a.ts': ['b.ts'], 'b.ts': ['c.ts'], 'c.ts': ['a.ts']},
      cycles: ['a.ts -> b.ts -> c.ts -> a.ts'],
    },
    {
      what: 'a diamond is no cycle',
      graph: {'a.ts': ['b.ts', 'c.ts'], 'b.ts': ['d.ts'], 'c.ts': ['d.ts'], 'd.ts': []},
      cycles: [],
    },
  ];
  for (const {what, graph, cycles} of cases) {
    it(`${what}: ${cycles.length ? cycles.join('; ') : 'none'}`, () => {
      assert.deepEqual(chains(importCycles(new Map(Object.entries(graph)) as ImportGraph)), cycles);
    });
  }

  it('reads every kind of static import, not a dynamic one or a word in a comment', () => {
    const source = [
      "import {a} from './a.js';",
      "import type {B} from './b.js';",
      "import './c.js';",
      "export {d} from './d.js';",
      "export * from './e.js';",
      'import {\n  f,\n  g,\n} from "./f.js";',
      "const lazy = () => import('./lazy.js');",
      "// import {x} from './comment.js';",
      'const text = "import {y} from \'./string.js\'";',
    ].join('\n');
    assert.deepEqual(importedSpecifiers('x.ts', source), ['./a.js', './b.js', './c.js', './d.js', './e.js', './f.js']);
  });

  describe('a planted cycle in a tree', () => {
    const root = mkdtempSync(join(tmpdir(), 'pxeprov-cycles-'));
    after(() => rmSync(root, {recursive: true, force: true}));
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(root, path)), {recursive: true});
      writeFileSync(join(root, path), text);
    };
    write(
      'engine/host-run.ts',
      "import {finish} from './task-run.js';\nimport {modules} from '../resources/index.js';\nexport const run = finish;\n",
    );
    write('engine/task-run.ts', "import type {Report} from './report.js';\nexport const finish = 1;\n");
    write('engine/report.ts', "import {run} from './host-run.js';\nexport type Report = typeof run;\n");
    write('resources/index.ts', 'export const modules = [];\n');

    it('is reported with its chain, resolved through .js names and index files', () => {
      assert.deepEqual(chains(importCycles(importGraph(root))), [
        'engine/host-run.ts -> engine/task-run.ts -> engine/report.ts -> engine/host-run.ts',
      ]);
    });

    it('an import of a file that is not there is an error, not a missing edge', () => {
      write('engine/broken.ts', "import {gone} from './gone.js';\n");
      assert.throws(() => importGraph(root), /engine\/broken\.ts imports '\.\/gone\.js', which is no file under/);
      rmSync(join(root, 'engine/broken.ts'));
    });
  });
});
