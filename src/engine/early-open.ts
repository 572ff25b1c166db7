/**
 * Connections opened while the inputs are still being checked. Connecting, starting the agent and reading
 * the facts is mostly waiting on the target: the first agent of each of the first --forks hosts starts as
 * soon as the inventory and the plays' hosts are known (before the roles load), and makes progress while
 * the rest of the inputs is loaded and checked. An early agent only reads (the run's lock and every write come later, from the run); nothing of it
 * is reported until the run uses it, so invalid inputs still fail alone: their agents are closed unused.
 */
import {isDeepStrictEqual} from 'node:util';
import type {Vars} from '../config/model.js';
import type {ConnectInputs} from '../config/validate.js';
import type {Agent} from '../transport/types.js';
import {agentRequest, hostConnectionVars, type OpenAgent} from './host-run.js';
import {playsOfHosts} from './run.js';

interface EarlyAgent {
  vars: Vars;
  readOnly: boolean;
  agent: Promise<Agent>;
}

export interface EarlyOpenOptions {
  open: OpenAgent;
  limit?: string;
  forks: number;
  check: boolean;
  connectionVars?: Vars;
  become?: boolean;
}

export class EarlyOpens {
  private readonly agents = new Map<string, EarlyAgent>();
  private started = false;

  constructor(private readonly options: EarlyOpenOptions) {}

  /** Opens the agent of the first play of each host the run starts with (the first --forks hosts); once. */
  start({inventory, plays, extraVars}: ConnectInputs): void {
    if (this.started) return;
    this.started = true;
    const {open, limit, forks, check, connectionVars, become} = this.options;
    const {playsByHost} = playsOfHosts(inventory, plays, limit);
    for (const [host, plays] of [...playsByHost].slice(0, Math.max(1, forks))) {
      const inventoryVars = hostConnectionVars(inventory, host, extraVars, connectionVars);
      const {vars} = agentRequest(inventoryVars, plays[0]!, undefined, become);
      const agent = open(host, vars, check);
      // Marked handled, not dropped: the run that takes this agent awaits it and reports its failure; one the
      // run does not take (invalid inputs, other variables) is replaced by the run's own, which reports its own.
      agent.catch(() => undefined);
      this.agents.set(host, {vars, readOnly: check, agent});
    }
  }

  /** How the run opens an agent: the early one when asked for with the same variables, else a new one. */
  readonly open: OpenAgent = (host, vars, readOnly) => {
    const early = this.agents.get(host);
    if (!early || early.readOnly !== readOnly || !isDeepStrictEqual(early.vars, vars))
      return this.options.open(host, vars, readOnly);
    this.agents.delete(host);
    return early.agent;
  };

  /** Closes the early agents the run did not take. */
  async close(): Promise<void> {
    const unused = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(
      unused.map((e) =>
        e.agent.then(
          (agent) => agent.close(),
          // An agent that never opened has nothing to close; the run reports its own connections' failures.
          () => undefined,
        ),
      ),
    );
  }
}
