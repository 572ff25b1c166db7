/**
 * The bad-input corpus: every case under test/fixtures/bad/<case>/ holds inputs and an expect.yaml with the
 * code, file, line, col and a substring of the message (and of the hint) of one error that validate (or a
 * template render) must report. A valid-inventory corpus must load unchanged.
 */
import assert from 'node:assert/strict';
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {join, relative} from 'node:path';
import {describe, it} from 'node:test';
import {parse} from 'yaml';
import {loadInventory} from '../../src/config/inventory.js';
import {renderTemplateFile} from '../../src/config/template.js';
import {validate} from '../../src/config/validate.js';
import {errorsOf, type PxeError} from '../../src/errors.js';

const BAD = join(import.meta.dirname, '../fixtures/bad');
const GOOD = join(import.meta.dirname, '../fixtures/good-inventories');

interface Expect {
  code: string;
  file?: string;
  line?: number;
  col?: number;
  message: string;
  hint?: string;
  inventory?: string;
  playbook?: string;
  limit?: string;
  extra_vars?: string[];
  render?: {template: string; vars: Record<string, unknown>};
}

async function errorsOfCase(dir: string, expect: Expect): Promise<PxeError[]> {
  const pick = (name: string | undefined, fallback: string) =>
    name ? join(dir, name) : existsSync(join(dir, fallback)) ? join(dir, fallback) : join(BAD, '_shared', fallback);
  try {
    if (expect.render) await renderTemplateFile(join(dir, expect.render.template), expect.render.vars);
    else
      validate({
        inventory: pick(expect.inventory, 'inventory.yaml'),
        playbook: pick(expect.playbook, 'playbook.yaml'),
        limit: expect.limit,
        extraVars: expect.extra_vars,
      });
  } catch (e) {
    const errors = errorsOf(e);
    if (!errors) throw e;
    return errors;
  }
  return [];
}

const cases = readdirSync(BAD)
  .filter((n) => !n.startsWith('_'))
  .sort();

describe('bad input corpus', () => {
  it('has at least 40 cases', () => assert.ok(cases.length >= 40, `${cases.length} cases`));
  it('the PXE cases change one thing of inputs that validate', () => {
    const result = validate({inventory: join(BAD, '_pxe/inventory.yaml'), playbook: join(BAD, '_pxe/playbook.yaml')});
    assert.deepEqual(result.warnings, []);
  });
  it('a host that --limit leaves out does not stop the others', () => {
    const options = {inventory: join(BAD, '_pxe/limit.yaml'), playbook: join(BAD, '_pxe/playbook.yaml')};
    assert.equal(validate({...options, limit: 'pxe1'}).hosts, 1);
    assert.throws(
      () => validate(options),
      (e) =>
        errorsOf(e)!.some(
          (x) => x.code === 'E_VARS' && x.where.host === 'pxe2' && x.message.includes('pxe_ip 10.1.1.1 is outside'),
        ),
    );
  });
  for (const name of cases) {
    it(name, async () => {
      const dir = join(BAD, name);
      const expect = parse(readFileSync(join(dir, 'expect.yaml'), 'utf8')) as Expect;
      const errors = await errorsOfCase(dir, expect);
      const shown = errors.map(
        (e) =>
          `${e.code} ${e.where.file ? relative(dir, e.where.file) : '-'}:${e.where.line}:${e.where.col} ${e.message} | ${e.hint ?? ''}`,
      );
      const match = errors.find(
        (e) =>
          e.code === expect.code &&
          (expect.file === undefined || (e.where.file !== undefined && relative(dir, e.where.file) === expect.file)) &&
          (expect.line === undefined || e.where.line === expect.line) &&
          (expect.col === undefined || e.where.col === expect.col) &&
          e.message.includes(expect.message) &&
          (expect.hint === undefined || (e.hint ?? '').includes(expect.hint)),
      );
      assert.ok(
        match,
        `expected ${expect.code} ${expect.file ?? '-'}:${expect.line}:${expect.col} "${expect.message}"\ngot:\n  ${shown.join('\n  ')}`,
      );
      assert.ok(match.expected || match.hint, 'every error says what was expected or how to fix it');
    });
  }
});

describe('valid inventories load unchanged', () => {
  for (const name of existsSync(GOOD) ? readdirSync(GOOD).sort() : []) {
    it(name, () => {
      const dir = join(GOOD, name);
      const expected = JSON.parse(readFileSync(join(dir, 'expect.json'), 'utf8')) as {
        source: string;
        hosts: Record<string, {groups: string[]; vars: Record<string, unknown>}>;
      };
      const inventory = loadInventory(join(dir, expected.source));
      const actual = Object.fromEntries(
        [...inventory.hosts.values()].map((h) => [h.name, {groups: h.groups, vars: h.vars}]),
      );
      assert.deepEqual(actual, expected.hosts);
    });
  }
});
