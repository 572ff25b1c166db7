/** Which command lines bin/run.js runs from the bundle: `up` and `check`, not their --help (oclif's). */
import assert from 'node:assert/strict';
import {it} from 'node:test';
import {runsBundledCommand} from '../../src/cli/bundle-load.js';

const cases: Array<[string[], boolean]> = [
  [['up', 'inventory.yaml'], true],
  [['check', '-i', 'hosts.ini', '--json'], true],
  [['up', '--help'], false],
  [['check', 'inventory.yaml', '--help'], false],
  [['up', '--', '--help'], true],
  [['validate', 'inventory.yaml'], false],
  [['lab', 'up'], false],
  [['--version'], false],
  [[], false],
];

for (const [argv, bundled] of cases)
  it(`${JSON.stringify(argv)}: ${bundled ? 'from the bundle' : "oclif's loading"}`, () =>
    assert.equal(runsBundledCommand(argv), bundled));
