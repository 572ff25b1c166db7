/** One inventory host on the tests' sshd and a helper that runs a play of tasks on it through the engine. */
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {stringify} from 'yaml';
import {converge} from '../../src/engine/converge.js';
import type {Emit, RunReport} from '../../src/engine/events.js';
import {assertPublishedJson} from './cli.js';
import type {TestSshd} from './sshd.js';

export interface PlayRunner {
  /** Runs one play of `tasks` on the host with these play vars; returns the engine's report. */
  play(
    tasks: unknown[],
    options?: {check?: boolean; checksum?: boolean; vars?: Record<string, unknown>; emit?: Emit},
  ): Promise<RunReport>;
}

export function playRunner(sshd: TestSshd, dir: string): PlayRunner {
  process.env.PXEPROV_SSH_CONFIG = join(sshd.dir, 'ssh_config');
  const inventory = join(dir, 'inventory.yaml');
  const playbook = join(dir, 'site.yaml');
  writeFileSync(
    inventory,
    stringify({
      all: {
        hosts: {
          t: {
            ansible_host: '127.0.0.1',
            ansible_port: sshd.port,
            ansible_user: 'root',
            ansible_ssh_private_key_file: sshd.keys.ed25519,
            pxeprov_known_hosts: sshd.knownHosts,
            pxeprov_state_dir: join(dir, 'state'),
          },
        },
      },
    }),
  );
  return {
    async play(tasks, {check = false, checksum = false, vars = {}, emit = () => {}} = {}) {
      writeFileSync(playbook, stringify([{name: 'Test', hosts: 'all', gather_facts: false, vars, tasks}]));
      const report = await converge({
        inventory,
        playbook,
        tags: [],
        skipTags: [],
        extraVars: [],
        forks: 1,
        check,
        checksum,
        emit,
      });
      // The report is what --json prints: it must match the published schema.
      assertPublishedJson(['up'], JSON.stringify(report), 0);
      return report;
    },
  };
}
