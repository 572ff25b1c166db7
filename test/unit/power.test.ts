import {describe, it} from 'node:test';
import assert from 'node:assert/strict';
import {PxeError, PxeErrors} from '../../src/errors.js';
import {
  interpretStep,
  ipmitoolArgv,
  ipmitoolEnv,
  parsePowerStatus,
  type Bmc,
  type IpmiStep,
} from '../../src/power/ipmitool.js';
import {bmcOf, bmcProblems, type ManagedHost} from '../../src/power/targets.js';
import {powerText} from '../../src/power/format.js';

const bmc: Bmc = {address: '10.0.0.21', user: 'admin', password: 'Pw-0f-the-BMC', cipherSuite: 3, uefi: false};

describe('power: ipmitool argv', () => {
  const cases: {step: IpmiStep; bmc?: Partial<Bmc>; tail: string[]}[] = [
    {step: 'status', tail: ['chassis', 'power', 'status']},
    {step: 'on', tail: ['chassis', 'power', 'on']},
    {step: 'off', tail: ['chassis', 'power', 'off']},
    {step: 'cycle', tail: ['chassis', 'power', 'cycle']},
    {step: 'bootdev-pxe', tail: ['chassis', 'bootdev', 'pxe']},
    {step: 'bootdev-pxe', bmc: {uefi: true}, tail: ['chassis', 'bootdev', 'pxe', 'options=efiboot']},
    {step: 'status', bmc: {cipherSuite: 17}, tail: ['chassis', 'power', 'status']},
  ];
  for (const c of cases) {
    it(`${c.step}${c.bmc ? ` ${JSON.stringify(c.bmc)}` : ''}`, () => {
      const b = {...bmc, ...c.bmc};
      const argv = ipmitoolArgv(b, c.step);
      assert.deepEqual(argv.slice(-c.tail.length), c.tail);
      assert.deepEqual(argv.slice(0, 6), ['ipmitool', '-v', '-I', 'lanplus', '-C', String(b.cipherSuite)]);
      assert.equal(argv[argv.indexOf('-H') + 1], '10.0.0.21');
      assert.equal(argv[argv.indexOf('-U') + 1], 'admin');
      assert.ok(argv.includes('-E'), 'the password comes from IPMI_PASSWORD');
      assert.ok(!argv.some((a) => a.includes(b.password)), 'the password is never in argv');
      assert.deepEqual(ipmitoolEnv(b), {IPMI_PASSWORD: b.password});
    });
  }
});

describe('power: ipmitool output', () => {
  it('reads the power state', () => {
    assert.equal(parsePowerStatus('Chassis Power is on\n'), 'on');
    assert.equal(parsePowerStatus('Loading IANA PEN Registry...\nChassis Power is off\n'), 'off');
    assert.equal(parsePowerStatus('Chassis Power is unknown\n'), undefined);
    assert.equal(parsePowerStatus(''), undefined);
  });

  const ok = (stdout: string) => ({rc: 0, stdout, stderr: ''});
  const cases: {
    what: string;
    step: IpmiStep;
    out: {rc: number; stdout: string; stderr: string};
    result?: string;
    code?: string;
    says?: RegExp;
  }[] = [
    {what: 'status on', step: 'status', out: ok('Chassis Power is on\n'), result: 'on'},
    {what: 'power on confirmed', step: 'on', out: ok('Chassis Power Control: Up/On\n')},
    {what: 'power off confirmed', step: 'off', out: ok('Chassis Power Control: Down/Off\n')},
    {what: 'cycle confirmed', step: 'cycle', out: ok('Chassis Power Control: Cycle\n')},
    // ipmi_sim answers the boot flags parameter with an error, then sets the device: what counts is the confirmation.
    {
      what: 'bootdev confirmed',
      step: 'bootdev-pxe',
      out: {
        rc: 0,
        stdout: 'Set Boot Device to pxe\n',
        stderr: 'Set Chassis Boot Parameter 4 failed: Unspecified error\n',
      },
    },
    {
      what: 'wrong password',
      step: 'status',
      out: {
        rc: 1,
        stdout: '',
        stderr:
          'Loading IANA PEN Registry...\n> RAKP 2 HMAC is invalid\nError: Unable to establish IPMI v2 / RMCP+ session\n',
      },
      code: 'E_BMC_AUTH',
      says: /refused user 'admin'/,
    },
    {
      what: 'unknown user',
      step: 'on',
      out: {
        rc: 1,
        stdout: '',
        stderr:
          'RAKP 2 message indicates an error : unauthorized name\nError: Unable to establish IPMI v2 / RMCP+ session\n',
      },
      code: 'E_BMC_AUTH',
    },
    {
      what: 'cipher suite not offered',
      step: 'status',
      out: {
        rc: 1,
        stdout: '',
        stderr:
          'Error in open session response message : invalid authentication algorithm\n\nError: Unable to establish IPMI v2 / RMCP+ session\n',
      },
      code: 'E_BMC_AUTH',
    },
    {
      what: 'no answer',
      step: 'status',
      out: {
        rc: 1,
        stdout: '',
        stderr:
          'Get Auth Capabilities error\nError issuing Get Channel Authentication Capabilities request\nError: Unable to establish IPMI v2 / RMCP+ session\n',
      },
      code: 'E_BMC_UNREACHABLE',
      says: /does not answer/,
    },
    {
      what: 'no route',
      step: 'cycle',
      out: {rc: 1, stdout: '', stderr: 'Could not open socket!\nError: Unable to establish IPMI v2 / RMCP+ session\n'},
      code: 'E_BMC_UNREACHABLE',
    },
    {
      what: 'no ipmitool on the server',
      step: 'status',
      out: {rc: 127, stdout: '', stderr: 'timeout: failed to run command ‘ipmitool’: No such file or directory\n'},
      code: 'E_POWER',
      says: /not installed/,
    },
    {
      what: 'another failure keeps its words',
      step: 'off',
      out: {rc: 1, stdout: '', stderr: 'Set Chassis Power Control to Down/Off failed: Node busy\n'},
      code: 'E_POWER',
      says: /Node busy/,
    },
    {
      what: 'a status that is not on or off is not guessed',
      step: 'status',
      out: ok('Chassis Power is unknown\n'),
      code: 'E_POWER',
      says: /unexpected/,
    },
    {
      what: 'exit 0 without the confirmation is not success',
      step: 'cycle',
      out: ok(''),
      code: 'E_POWER',
      says: /did not confirm/,
    },
  ];
  for (const c of cases) {
    it(c.what, () => {
      if (!c.code) {
        assert.equal(interpretStep('node01', c.step, bmc, c.out), c.result);
        return;
      }
      assert.throws(
        () => interpretStep('node01', c.step, bmc, c.out),
        (e: unknown) => {
          assert.ok(e instanceof PxeError);
          assert.equal(e.code, c.code);
          assert.equal(e.where.host, 'node01');
          if (c.says) assert.match(e.message, c.says);
          return true;
        },
      );
    });
  }
});

describe('power: BMC fields of a dhcp_hosts entry', () => {
  const base = {name: 'node01', mac: '52:54:00:00:00:01'};
  const cases: {what: string; entry: Record<string, unknown>; fields: string[]}[] = [
    {what: 'no BMC at all', entry: base, fields: []},
    {
      what: 'a complete BMC',
      entry: {...base, ipmi_address: '10.0.0.21', ipmi_user: 'admin', ipmi_password: 'pw-123'},
      fields: [],
    },
    {
      what: 'cipher suite and uefi',
      entry: {
        ...base,
        ipmi_address: 'bmc-node01.example',
        ipmi_user: 'admin',
        ipmi_password: 'pw-123',
        ipmi_cipher_suite: 17,
        ipmi_uefi: true,
      },
      fields: [],
    },
    {
      what: 'address without user and password',
      entry: {...base, ipmi_address: '10.0.0.21'},
      fields: ['ipmi_address', 'ipmi_address'],
    },
    {what: 'user without address', entry: {...base, ipmi_user: 'admin'}, fields: ['ipmi_user']},
    {
      what: 'a password too long for IPMI 2.0',
      entry: {...base, ipmi_address: '10.0.0.21', ipmi_user: 'admin', ipmi_password: 'x'.repeat(21)},
      fields: ['ipmi_password'],
    },
    {
      what: 'a password with a newline',
      entry: {...base, ipmi_address: '10.0.0.21', ipmi_user: 'admin', ipmi_password: 'a\nb'},
      fields: ['ipmi_password'],
    },
    {
      what: 'an address with a space',
      entry: {...base, ipmi_address: '10.0.0.21 -P x', ipmi_user: 'admin', ipmi_password: 'pw-123'},
      fields: ['ipmi_address'],
    },
    {
      what: 'an address that looks like an option',
      entry: {...base, ipmi_address: '-oops', ipmi_user: 'admin', ipmi_password: 'pw-123'},
      fields: ['ipmi_address'],
    },
    {
      what: 'a cipher suite out of range',
      entry: {...base, ipmi_address: '10.0.0.21', ipmi_user: 'admin', ipmi_password: 'pw-123', ipmi_cipher_suite: 42},
      fields: ['ipmi_cipher_suite'],
    },
    {
      what: 'ipmi_uefi not a boolean',
      entry: {...base, ipmi_address: '10.0.0.21', ipmi_user: 'admin', ipmi_password: 'pw-123', ipmi_uefi: 'yes'},
      fields: ['ipmi_uefi'],
    },
  ];
  for (const c of cases) {
    it(c.what, () => {
      const problems = bmcProblems(c.entry);
      assert.deepEqual(
        problems.map((p) => p.field),
        c.fields,
      );
      for (const p of problems)
        assert.ok(!p.message.includes(String(c.entry.ipmi_password ?? '\0')), 'a problem never quotes the password');
    });
  }

  const host = (entry: Record<string, unknown>): ManagedHost => ({
    name: 'node01',
    server: 'pxe1',
    entry: {...base, ...entry},
    serverVars: {},
  });
  it('a host without a BMC is an input error naming it', () => {
    assert.throws(
      () => bmcOf(host({})),
      (e: unknown) =>
        e instanceof PxeError &&
        e.code === 'E_HOST' &&
        e.exit === 3 &&
        e.where.host === 'node01' &&
        /no BMC/.test(e.message),
    );
  });
  it('an incomplete BMC is an input error naming the host and every missing field', () => {
    assert.throws(
      () => bmcOf(host({ipmi_address: '10.0.0.21'})),
      (e: unknown) =>
        e instanceof PxeErrors &&
        e.exit === 3 &&
        e.errors.length === 2 &&
        e.errors.every((x) => x.where.host === 'node01'),
    );
  });
  it('a complete BMC, cipher suite 3 unless set', () => {
    assert.deepEqual(bmcOf(host({ipmi_address: '10.0.0.21', ipmi_user: 'admin', ipmi_password: 'pw-123'})), {
      address: '10.0.0.21',
      user: 'admin',
      password: 'pw-123',
      cipherSuite: 3,
      uefi: false,
    });
  });
});

describe('power: text report', () => {
  it('one line per machine, the failure with its code and hint', () => {
    const text = powerText({
      action: 'cycle',
      ok: false,
      hosts: [
        {host: 'node01', server: 'pxe1', bmc: '10.0.0.21', ok: true, power: 'on', done: 'power cycled'},
        {
          host: 'n2',
          server: 'pxe1',
          bmc: '10.0.0.22',
          ok: false,
          error: {
            code: 'E_BMC_UNREACHABLE',
            message: 'the BMC at 10.0.0.22 does not answer',
            hint: 'check ipmi_address',
          },
        },
      ],
    });
    assert.deepEqual(text.split('\n'), [
      'node01  power cycled  (BMC 10.0.0.21 via pxe1)',
      'n2      FAILED E_BMC_UNREACHABLE: the BMC at 10.0.0.22 does not answer  (BMC 10.0.0.22 via pxe1)',
      '        hint: check ipmi_address',
    ]);
  });
});
