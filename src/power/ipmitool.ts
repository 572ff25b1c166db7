/**
 * ipmitool as pxeprov runs it on the PXE server: the argv of each step (never the password: ipmitool -E
 * reads it from IPMI_PASSWORD), and what its output means. Pure: tested with recorded outputs.
 */
import {PxeError} from '../errors.js';

/** A host's BMC, from its dhcp_hosts entry. */
export interface Bmc {
  address: string;
  user: string;
  password: string;
  /** RMCP+ cipher suite (ipmitool -C): 3 (HMAC-SHA1, AES-128) unless the entry says otherwise. */
  cipherSuite: number;
  /** The next boot is UEFI PXE (chassis bootdev pxe options=efiboot), for BMCs that would boot legacy PXE. */
  uefi: boolean;
}

/** One ipmitool call. */
export type IpmiStep = 'status' | 'on' | 'off' | 'cycle' | 'bootdev-pxe';

/** Seconds ipmitool waits for each answer (-N) and how many times it asks again (-R): a dead BMC fails in about 10 s. */
export const IPMI_ANSWER_SECONDS = 2;
export const IPMI_RETRIES = 3;
/** The whole ipmitool call, as the agent's timeout(1) enforces it. */
export const IPMI_CALL_SECONDS = 60;

const STEP_ARGS: Record<IpmiStep, string[]> = {
  status: ['chassis', 'power', 'status'],
  on: ['chassis', 'power', 'on'],
  off: ['chassis', 'power', 'off'],
  cycle: ['chassis', 'power', 'cycle'],
  'bootdev-pxe': ['chassis', 'bootdev', 'pxe'],
};

/**
 * The argv of one step. -v makes ipmitool say why a session failed (wrong password or no answer); the
 * password travels in the environment (IPMI_PASSWORD, see ipmitoolEnv), never in argv.
 */
export function ipmitoolArgv(bmc: Bmc, step: IpmiStep): string[] {
  const args = [...STEP_ARGS[step]];
  if (step === 'bootdev-pxe' && bmc.uefi) args.push('options=efiboot');
  return [
    'ipmitool',
    '-v',
    '-I',
    'lanplus',
    '-C',
    String(bmc.cipherSuite),
    '-N',
    String(IPMI_ANSWER_SECONDS),
    '-R',
    String(IPMI_RETRIES),
    '-H',
    bmc.address,
    '-U',
    bmc.user,
    '-E',
    ...args,
  ];
}

export function ipmitoolEnv(bmc: Bmc): Record<string, string> {
  return {IPMI_PASSWORD: bmc.password};
}

/** `chassis power status` prints "Chassis Power is on|off". */
export function parsePowerStatus(stdout: string): 'on' | 'off' | undefined {
  const m = /^Chassis Power is (on|off)\s*$/m.exec(stdout);
  return m ? (m[1] as 'on' | 'off') : undefined;
}

/** What each control step prints when the BMC took it. */
const CONFIRMATION: Record<Exclude<IpmiStep, 'status'>, RegExp> = {
  on: /^Chassis Power Control: Up\/On\s*$/m,
  off: /^Chassis Power Control: Down\/Off\s*$/m,
  cycle: /^Chassis Power Control: Cycle\s*$/m,
  'bootdev-pxe': /^Set Boot Device to pxe\s*$/m,
};

export interface IpmiOutput {
  rc: number;
  stdout: string;
  stderr: string;
}

/** Why a session could not be opened, from ipmitool -v's stderr. */
const REFUSED = [/RAKP 2 HMAC is invalid/, /unauthorized name/i, /invalid authentication algorithm/];
const NO_ANSWER = [/Get Auth Capabilities error/, /No response from remote controller/, /Could not open socket/];

/**
 * The result of one step: the power state for status, nothing for the others. Anything ipmitool says that
 * is not the step's confirmation is a failure, with a cause a person can act on (fail closed: output this
 * code does not know is never taken as success).
 */
export function interpretStep(host: string, step: IpmiStep, bmc: Bmc, out: IpmiOutput): 'on' | 'off' | undefined {
  const where = {host};
  const said = lastLines(out.stderr || out.stdout);
  // 127: the shell (or timeout) found no ipmitool to run.
  if (out.rc === 127) {
    throw new PxeError('E_POWER', `ipmitool is not installed on the PXE server`, {
      where,
      hint: 'run `pxeprov up`: the common role installs ipmitool on a server whose dhcp_hosts name an ipmi_address',
    });
  }
  if (out.rc !== 0) {
    if (REFUSED.some((re) => re.test(out.stderr))) {
      throw new PxeError('E_BMC_AUTH', `the BMC at ${bmc.address} refused user '${bmc.user}' and its password`, {
        where,
        expected: "the BMC's user name and password in ipmi_user and ipmi_password (an operator or admin account)",
        hint: `check them on the BMC; a BMC that does not offer cipher suite ${bmc.cipherSuite} refuses too (ipmi_cipher_suite)`,
      });
    }
    if (NO_ANSWER.some((re) => re.test(out.stderr))) {
      throw new PxeError(
        'E_BMC_UNREACHABLE',
        `the BMC at ${bmc.address} does not answer (IPMI over LAN, UDP port 623)`,
        {
          where,
          hint: 'check ipmi_address, that the BMC has IPMI over LAN enabled, and that the PXE server reaches it (ping, firewall)',
        },
      );
    }
    throw new PxeError('E_POWER', `ipmitool ${STEP_ARGS[step].join(' ')} failed (exit ${out.rc}): ${said}`, {where});
  }
  if (step === 'status') {
    const state = parsePowerStatus(out.stdout);
    if (!state)
      throw new PxeError(
        'E_POWER',
        `the BMC answered the power status with something unexpected: ${lastLines(out.stdout) || '(nothing)'}`,
        {where},
      );
    return state;
  }
  if (!CONFIRMATION[step].test(out.stdout)) {
    throw new PxeError(
      'E_POWER',
      `the BMC did not confirm ${STEP_ARGS[step].join(' ')}: ${lastLines(out.stdout) || said || '(nothing)'}`,
      {where},
    );
  }
  return undefined;
}

function lastLines(text: string, n = 3): string {
  // ipmitool -v announces the registry it loads: not a reason.
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('Loading IANA PEN Registry'))
    .slice(-n)
    .join(' / ');
}
