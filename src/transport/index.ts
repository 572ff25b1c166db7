/**
 * The transport's public face: connect() gives an Agent on one host (one SSH connection and one agent
 * channel, or a local agent process for ansible_connection: local; facts gathered);
 * connectionSpecFromVars() maps Ansible's connection variables.
 */
import {PxeError} from '../errors.js';
import {AgentClient} from './agent-client.js';
import {startAgent} from './bootstrap.js';
import {openSsh} from './connection.js';
import {openLocal} from './local.js';
import type {ConnectionSpec} from './spec.js';
import type {Agent} from './types.js';

export {connectionSpecFromVars, parseSshCommonArgs} from './spec.js';
export type {ConnectionSpec} from './spec.js';
export type * from './types.js';

export interface ConnectOptions {
  /** Check mode: the agent itself refuses every write (E_READ_ONLY). */
  readOnly?: boolean;
  /** Packages whose dpkg status the first facts should carry. */
  gatherPackages?: string[];
}

export async function connect(spec: ConnectionSpec, options: ConnectOptions = {}): Promise<Agent> {
  const startMs = (spec.agentTimeout ?? 10) * 1000;
  const requestMs = (spec.requestTimeout ?? 300) * 1000;
  const readOnly = options.readOnly === true;
  const link = spec.connection === 'local' ? openLocal(spec.name) : await openSsh(spec);
  try {
    const {channel} = await startAgent(
      (command) => link.exec(command),
      spec.name,
      {
        shell: spec.shell ?? 'sh',
        readOnly,
        become: spec.become
          ? {method: spec.becomeMethod ?? 'sudo', user: spec.becomeUser ?? 'root', password: spec.becomePassword}
          : undefined,
      },
      {startMs, requestMs},
    );
    const lost = (reason: string) => channel.disconnected(reason);
    channel.channel.on('close', () => lost('the agent channel closed'));
    link.onLost(lost);
    const agent = new AgentClient(spec.name, readOnly, channel, link);
    await agent.gatherFacts(options.gatherPackages);
    return agent;
  } catch (error) {
    link.end();
    if (error instanceof PxeError) throw error;
    throw new PxeError('E_AGENT', `cannot start the agent on ${spec.name}: ${(error as Error).message}`, {
      where: {host: spec.name},
      cause: error,
    });
  }
}
