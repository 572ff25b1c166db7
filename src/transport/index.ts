/**
 * The transport's public face: connect() gives an Agent on one host (one SSH connection, one agent
 * channel, facts gathered); connectionSpecFromVars() maps Ansible's connection variables.
 */
import {PxeError} from '../errors.js';
import {AgentClient} from './agent-client.js';
import {startAgent} from './bootstrap.js';
import {openSsh} from './connection.js';
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
  const connectMs = (spec.connectTimeout ?? 10) * 1000;
  const requestMs = (spec.requestTimeout ?? 300) * 1000;
  const readOnly = options.readOnly === true;
  const ssh = await openSsh(spec);
  try {
    const {channel} = await startAgent(
      ssh.client,
      spec.name,
      {
        shell: spec.shell ?? 'sh',
        readOnly,
        become: spec.become ? {user: spec.becomeUser ?? 'root', password: spec.becomePassword} : undefined,
      },
      {connectMs, requestMs},
    );
    const lost = (reason: string) => channel.disconnected(reason);
    channel.channel.on('close', () => lost('the agent channel closed'));
    ssh.client.on('close', () => lost('connection closed'));
    ssh.client.on('error', (error) => lost(error.message));
    const agent = new AgentClient(spec.name, readOnly, channel, ssh);
    await agent.gatherFacts(options.gatherPackages);
    return agent;
  } catch (error) {
    ssh.end();
    if (error instanceof PxeError) throw error;
    throw new PxeError('E_AGENT', `cannot start the agent on ${spec.name}: ${(error as Error).message}`, {where: {host: spec.name}, cause: error});
  }
}
