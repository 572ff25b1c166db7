/** --list-hosts, --list-tasks, --list-tags: what a run would cover, printed as ansible-playbook prints it. */
import {selectHosts} from '../config/host-pattern.js';
import type {Inventory, Playbook} from '../config/model.js';
import {displayName} from '../config/start-at-task.js';
import {selectedByTags} from '../engine/tags.js';

export interface ListWhat {
  hosts: boolean;
  tasks: boolean;
  tags: boolean;
}

export interface PlayListing {
  name: string;
  pattern: string;
  tags: string[];
  hosts?: string[];
  tasks?: {name: string; tags: string[]}[];
  /** Every tag of the play and of its selected tasks. */
  taskTags?: string[];
}

export interface PlaybookListing {
  playbook: string;
  plays: PlayListing[];
}

export interface ListOptions {
  limit?: string;
  tags: string[];
  skipTags: string[];
}

const sorted = (tags: Iterable<string>) => [...new Set(tags)].sort();

export function listPlaybook(
  playbook: Playbook,
  inventory: Inventory,
  what: ListWhat,
  options: ListOptions,
): PlaybookListing {
  const limited = options.limit ? new Set(selectHosts(inventory, options.limit)) : undefined;
  const plays = playbook.plays.map((play): PlayListing => {
    const listing: PlayListing = {name: play.name, pattern: play.hosts, tags: sorted(play.tags)};
    if (what.hosts)
      listing.hosts = selectHosts(inventory, play.hosts, {strict: false, what: `play '${play.name}'`}).filter(
        (h) => !limited || limited.has(h),
      );
    const tasks = play.tasks.filter((t) => selectedByTags([...t.tags, ...play.tags], options.tags, options.skipTags));
    if (what.tasks) listing.tasks = tasks.map((t) => ({name: displayName(t), tags: sorted([...play.tags, ...t.tags])}));
    if (what.tags) listing.taskTags = sorted([...play.tags, ...tasks.flatMap((t) => t.tags)]);
    return listing;
  });
  return {playbook: playbook.file, plays};
}

/** The text ansible-playbook prints for the same listing. */
export function listingText(listing: PlaybookListing): string {
  const out = [`\nplaybook: ${listing.playbook}\n`];
  listing.plays.forEach((play, i) => {
    let header = `\n  play #${i + 1} (${play.pattern}): ${play.name}\tTAGS: [${play.tags.join(',')}]`;
    if (play.hosts)
      header += `\n    pattern: ['${play.pattern}']\n    hosts (${play.hosts.length}):${play.hosts.map((h) => `\n      ${h}`).join('')}`;
    out.push(`${header}\n`);
    if (!play.tasks && !play.taskTags) return;
    let body = play.tasks ? '    tasks:\n' : '';
    for (const task of play.tasks ?? []) body += `      ${task.name}\tTAGS: [${task.tags.join(', ')}]\n`;
    if (play.taskTags) body += `      TASK TAGS: [${play.taskTags.join(', ')}]\n`;
    out.push(body);
  });
  return out.join('');
}
