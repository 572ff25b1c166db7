/**
 * `lab demo`: everything a newcomer needs to see, on one machine: the lab host is built, `pxeprov up`
 * turns it into a PXE server, and a BIOS client boots from it up to its kickstart.
 */
import {DEFAULT_PLAYBOOK} from '../cli/flags.js';
import {converge} from '../engine/converge.js';
import {exitCodeOf, type Emit, type RunReport} from '../engine/events.js';
import {PxeError} from '../errors.js';
import {bootClient, type BootResult} from './boot.js';
import {labUp, type LabUpResult} from './lab.js';

export interface DemoOptions {
  prefix?: string;
  inventory?: string;
  log?: (line: string) => void;
  emit?: Emit;
}

export interface DemoResult {
  lab: LabUpResult;
  up: RunReport;
  boot: BootResult;
}

export async function labDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const inventory = options.inventory ?? 'inventory/lab.yaml';
  const lab = await labUp({prefix: options.prefix, inventory, log: options.log});
  options.log?.(`pxeprov up ${inventory}`);
  const up = await converge({
    inventory,
    playbook: DEFAULT_PLAYBOOK,
    tags: [],
    skipTags: [],
    extraVars: [],
    forks: 1,
    check: false,
    emit: options.emit ?? (() => {}),
  });
  if (exitCodeOf(up) !== 0) {
    throw new PxeError(
      'E_LAB',
      `pxeprov up did not converge the lab host: ${up.hosts[0]?.error?.message ?? 'a task failed'}`,
      {
        hint: `run \`pxeprov up ${inventory}\` to see the failing task`,
      },
    );
  }
  options.log?.('booting a BIOS PXE client');
  const boot = await bootClient({prefix: options.prefix});
  return {lab, up, boot};
}
