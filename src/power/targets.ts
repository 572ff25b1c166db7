/**
 * The machines a power command names: entries of a PXE server's dhcp_hosts (as `install` finds them), each
 * with the server whose agent runs ipmitool for it, and its BMC.
 */
import {PxeError, PxeErrors} from '../errors.js';
import {trackSecret} from '../config/redact.js';
import type {Vars} from '../config/model.js';
import {unknownReservation, type ServerHosts} from '../lifecycle/reservations.js';
import type {Bmc} from './ipmitool.js';

/** One dhcp_hosts entry, on the first PXE server (in inventory order) that lists it. */
export interface ManagedHost {
  name: string;
  /** The inventory host (PXE server) whose dhcp_hosts lists it. */
  server: string;
  entry: Record<string, unknown>;
  /** The server's variables (its connection variables among them). */
  serverVars: Vars;
}

/** Every named host, or every unknown name reported together (E_HOST, exit 3). */
export function findManagedHosts(names: string[], servers: ServerHosts[]): ManagedHost[] {
  const errors: PxeError[] = [];
  const found: ManagedHost[] = [];
  for (const name of [...new Set(names)]) {
    const server = servers.find((s) => s.reservations.some((r) => r.name === name));
    if (server) {
      found.push({
        name,
        server: server.server,
        entry: server.reservations.find((r) => r.name === name)! as unknown as Record<string, unknown>,
        serverVars: server.vars,
      });
      continue;
    }
    errors.push(unknownReservation(name, servers));
  }
  if (errors.length) throw new PxeErrors(errors);
  return found;
}

/** A problem of the BMC fields of one dhcp_hosts entry: which field, and what is wrong. */
export interface BmcProblem {
  field: string;
  message: string;
  expected: string;
}

/** Longest password IPMI 2.0 (RMCP+) carries. */
const MAX_PASSWORD_BYTES = 20;

/** What is wrong with an entry's ipmi_* fields (none without ipmi_address and ipmi_* fields). Pure: validate uses it too. */
export function bmcProblems(entry: Record<string, unknown>): BmcProblem[] {
  const problems: BmcProblem[] = [];
  const has = (key: string) => entry[key] !== undefined && entry[key] !== null && entry[key] !== '';
  const bmcKeys = ['ipmi_user', 'ipmi_password', 'ipmi_cipher_suite', 'ipmi_uefi'].filter(has);
  if (!has('ipmi_address')) {
    if (bmcKeys.length)
      problems.push({
        field: bmcKeys[0]!,
        message: `${bmcKeys.join(', ')} without ipmi_address`,
        expected: "ipmi_address (the BMC's address) with ipmi_user and ipmi_password",
      });
    return problems;
  }
  if (
    typeof entry.ipmi_address !== 'string' ||
    !/^[A-Za-z0-9]([A-Za-z0-9.:-]*[A-Za-z0-9])?$/.test(entry.ipmi_address)
  ) {
    problems.push({
      field: 'ipmi_address',
      message: `ipmi_address ${JSON.stringify(entry.ipmi_address)} is not an address or a host name`,
      expected: "the BMC's IPv4/IPv6 address or DNS name, e.g. 10.0.0.21",
    });
  }
  for (const key of ['ipmi_user', 'ipmi_password']) {
    if (!has(key))
      problems.push({
        field: 'ipmi_address',
        message: `ipmi_address without ${key}`,
        expected: 'ipmi_user and ipmi_password beside ipmi_address',
      });
  }
  if (
    has('ipmi_user') &&
    (typeof entry.ipmi_user !== 'string' || /[\0-\x1f]/.test(entry.ipmi_user) || entry.ipmi_user.length > 16)
  ) {
    problems.push({
      field: 'ipmi_user',
      message: 'ipmi_user must be a user name of at most 16 characters',
      expected: "the BMC account's name",
    });
  }
  if (has('ipmi_password')) {
    const password = entry.ipmi_password;
    // Never quote the value: it is a secret.
    if (typeof password !== 'string' && typeof password !== 'number')
      problems.push({
        field: 'ipmi_password',
        message: 'ipmi_password is not a string',
        expected: 'the BMC password as a string (a !vault value is best)',
      });
    else if (/[\0-\x1f\x7f]/.test(String(password)) || Buffer.byteLength(String(password)) > MAX_PASSWORD_BYTES) {
      problems.push({
        field: 'ipmi_password',
        message: `ipmi_password must be 1 to ${MAX_PASSWORD_BYTES} bytes without control characters`,
        expected: `an IPMI password (IPMI 2.0 carries at most ${MAX_PASSWORD_BYTES} bytes)`,
      });
    }
  }
  if (
    has('ipmi_cipher_suite') &&
    !(
      Number.isInteger(entry.ipmi_cipher_suite) &&
      (entry.ipmi_cipher_suite as number) >= 0 &&
      (entry.ipmi_cipher_suite as number) <= 17
    )
  ) {
    problems.push({
      field: 'ipmi_cipher_suite',
      message: `ipmi_cipher_suite ${JSON.stringify(entry.ipmi_cipher_suite)} is not a cipher suite number`,
      expected: 'an RMCP+ cipher suite 0-17, e.g. 3 (the default) or 17',
    });
  }
  if (has('ipmi_uefi') && typeof entry.ipmi_uefi !== 'boolean') {
    problems.push({
      field: 'ipmi_uefi',
      message: `ipmi_uefi ${JSON.stringify(entry.ipmi_uefi)} is not true or false`,
      expected: 'true or false',
    });
  }
  return problems;
}

/** The BMC of a host; a host without one, or with bad ipmi_* fields, is an input error naming it. */
export function bmcOf(host: ManagedHost): Bmc {
  const {entry} = host;
  const where = {host: host.name};
  if (entry.ipmi_address === undefined || entry.ipmi_address === null || entry.ipmi_address === '') {
    const problem = bmcProblems(entry)[0];
    throw new PxeError('E_HOST', `${host.name} has no BMC${problem ? `: ${problem.message}` : ''}`, {
      where,
      expected: `ipmi_address, ipmi_user and ipmi_password in its dhcp_hosts entry (on ${host.server})`,
      hint: 'without a BMC a person presses its power button; `pxeprov install` without --reboot puts it in build mode all the same',
    });
  }
  const problems = bmcProblems(entry);
  if (problems.length) {
    throw new PxeErrors(
      problems.map(
        (p) =>
          new PxeError('E_VARS', p.message, {
            where,
            expected: p.expected,
            hint: `fix the dhcp_hosts entry of ${host.name} on ${host.server}`,
          }),
      ),
    );
  }
  const password = String(entry.ipmi_password);
  trackSecret(password);
  return {
    address: String(entry.ipmi_address),
    user: String(entry.ipmi_user),
    password,
    cipherSuite: entry.ipmi_cipher_suite === undefined ? 3 : Number(entry.ipmi_cipher_suite),
    uefi: entry.ipmi_uefi === true,
  };
}
