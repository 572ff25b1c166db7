/**
 * Power through the BMC: ipmitool runs on the PXE server that lists the host, through that server's agent
 * (one connection per server), the password in its environment only. A host that fails fails alone.
 */
import type {Vars} from '../config/model.js';
import type {ErrorReport} from '../engine/events.js';
import type {OpenAgent} from '../engine/host-run.js';
import {errorReport} from '../engine/outcome.js';
import {openOverSsh} from '../engine/run.js';
import type {Agent} from '../transport/types.js';
import {interpretStep, IPMI_CALL_SECONDS, ipmitoolArgv, ipmitoolEnv, type Bmc, type IpmiStep} from './ipmitool.js';
import {bmcOf, type ManagedHost} from './targets.js';

export const POWER_ACTIONS = ['status', 'on', 'off', 'cycle'] as const;
export type PowerAction = (typeof POWER_ACTIONS)[number];

export interface PowerHostResult {
  host: string;
  /** The PXE server that ran ipmitool. */
  server: string;
  bmc: string;
  ok: boolean;
  /** The power state read (status) or asked for. */
  power?: 'on' | 'off';
  /** What was done, in words: "powered on", "was off: powered on", "next boot PXE, power cycled". */
  done?: string;
  error?: ErrorReport;
}

export interface PowerReport {
  action: PowerAction;
  ok: boolean;
  hosts: PowerHostResult[];
}

export interface PowerOptions {
  /** Before the power step: the next boot is from the network (chassis bootdev pxe), for `install --reboot`. */
  pxeBoot?: boolean;
  /** How to reach a PXE server; the SSH transport unless a test injects another. */
  open?: OpenAgent;
  /** Connection variables below every inventory variable (-u, --private-key, ansible.cfg). */
  connectionVars?: Vars;
}

/**
 * Runs `action` on every host. Every host's BMC fields are checked before anything is sent (an input
 * error, exit 3, changes nothing); then one agent per PXE server, servers in parallel, its hosts in turn.
 */
export async function powerHosts(
  hosts: ManagedHost[],
  action: PowerAction,
  options: PowerOptions = {},
): Promise<PowerReport> {
  const bmcs = new Map(hosts.map((h) => [h.name, bmcOf(h)]));
  const byServer = new Map<string, ManagedHost[]>();
  for (const host of hosts) byServer.set(host.server, [...(byServer.get(host.server) ?? []), host]);
  const results = new Map<string, PowerHostResult>();
  await Promise.all(
    [...byServer].map(async ([server, serverHosts]) => {
      let agent: Agent;
      try {
        const vars = {...options.connectionVars, ...serverHosts[0]!.serverVars};
        agent = await (options.open ?? openOverSsh)(server, vars, action === 'status' && !options.pxeBoot);
      } catch (error) {
        for (const host of serverHosts) results.set(host.name, failed(host, bmcs.get(host.name)!, error));
        return;
      }
      try {
        for (const host of serverHosts) {
          const bmc = bmcs.get(host.name)!;
          try {
            results.set(host.name, {
              host: host.name,
              server,
              bmc: bmc.address,
              ok: true,
              ...(await powerOne(agent, host.name, bmc, action, Boolean(options.pxeBoot))),
            });
          } catch (error) {
            results.set(host.name, failed(host, bmc, error));
          }
        }
      } finally {
        await agent.close();
      }
    }),
  );
  const ordered = hosts.map((h) => results.get(h.name)!);
  return {action, ok: ordered.every((r) => r.ok), hosts: ordered};
}

async function powerOne(
  agent: Agent,
  host: string,
  bmc: Bmc,
  action: PowerAction,
  pxeBoot: boolean,
): Promise<Pick<PowerHostResult, 'power' | 'done'>> {
  const step = async (s: IpmiStep) => {
    const out = await agent.exec(ipmitoolArgv(bmc, s), {env: ipmitoolEnv(bmc), timeout: IPMI_CALL_SECONDS});
    return interpretStep(host, s, bmc, {rc: out.rc, stdout: out.stdout.toString(), stderr: out.stderr.toString()});
  };
  const first = pxeBoot ? (await step('bootdev-pxe'), 'next boot PXE, ') : '';
  switch (action) {
    case 'status':
      return {power: await step('status')};
    case 'on':
      await step('on');
      return {power: 'on', done: `${first}powered on`};
    case 'off':
      await step('off');
      return {power: 'off', done: `${first}powered off`};
    case 'cycle':
      // A BMC may refuse to cycle a machine that is off (the spec leaves it open): power that one on.
      if ((await step('status')) === 'off') {
        await step('on');
        return {power: 'on', done: `${first}was off: powered on`};
      }
      await step('cycle');
      return {power: 'on', done: `${first}power cycled`};
  }
}

function failed(host: ManagedHost, bmc: Bmc, error: unknown): PowerHostResult {
  return {host: host.name, server: host.server, bmc: bmc.address, ok: false, error: errorReport(error)};
}
