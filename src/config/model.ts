/**
 * The loaded, validated inputs the engine runs: inventory, plays, tasks. Everything carries the source
 * position it came from so any later error (a template, a task failing on a host) can name file:line:col.
 */

export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

export type Vars = Record<string, unknown>;

export interface InventoryHost {
  name: string;
  /** Variables from the inventory only (group vars by depth, then host vars), merged per Ansible's order. */
  vars: Vars;
  /** Every group the host belongs to, 'all' and ancestors included, sorted. */
  groups: string[];
  pos?: SourcePos;
}

export interface InventoryGroup {
  name: string;
  hosts: string[];
  children: string[];
  vars: Vars;
  pos?: SourcePos;
}

export interface Inventory {
  /** The file (or directory) it was loaded from. */
  source: string;
  /** Its directory (the source itself for a directory), absolute: relative paths in its variables start here. */
  dir: string;
  hosts: Map<string, InventoryHost>;
  groups: Map<string, InventoryGroup>;
  /** Accepted but reported: ansible_* variables pxeprov does not read, with file:line. */
  warnings: string[];
}

export interface Task {
  /** 'name:' or, when missing, '<module> <summary of args>'. */
  name: string;
  module: string;
  /** Raw arguments; strings may hold templates, rendered per host at run time. */
  args: unknown;
  when: string[];
  loop?: unknown;
  loopVar: string;
  register?: string;
  notify: string[];
  /** For handlers: the names it answers besides its own ('listen'). */
  listen: string[];
  tags: string[];
  become?: boolean;
  becomeUser?: string;
  ignoreErrors: boolean;
  changedWhen?: string | boolean;
  failedWhen?: string | boolean;
  /** Attempted again until this holds: at most `retries` more times, `delay` seconds apart (templates allowed). */
  until?: string | boolean;
  retries?: unknown;
  delay?: unknown;
  noLog: boolean;
  vars: Vars;
  pos: SourcePos;
  /** The role the task comes from (its templates/ and files/ are searched first). */
  role?: RoleRef;
  /** The blocks with a rescue or an always that hold this task, outermost first. */
  blocks?: BlockPlace[];
}

/** One block with rescue:/always: its tasks, rescue tasks and always tasks share this object. */
export interface Block {
  hasRescue: boolean;
  pos: SourcePos;
}

export interface BlockPlace {
  block: Block;
  section: 'block' | 'rescue' | 'always';
}

export interface RoleRef {
  name: string;
  dir: string;
  defaults: Vars;
  vars: Vars;
  /** Role parameters ({role: x, vars: {…}} or extra keys of the entry): above task vars, as in Ansible. */
  params?: Vars;
}

export interface Play {
  name: string;
  hosts: string;
  vars: Vars;
  /** vars_files loaded, in order. */
  varsFiles: Vars[];
  roles: RoleRef[];
  /** pre_tasks, the roles' tasks (in role order), tasks, post_tasks. Task tags include inherited ones (play, role, block). */
  tasks: Task[];
  handlers: Task[];
  /** Unset: the command line's -b decides (default no). */
  become?: boolean;
  becomeUser?: string;
  gatherFacts: boolean;
  tags: string[];
  pos: SourcePos;
  /** Directory of the playbook: relative src/template paths outside roles resolve here. */
  baseDir: string;
}

export interface Playbook {
  file: string;
  plays: Play[];
}

/** Every input of a run, loaded and checked once. */
export interface Inputs {
  inventory: Inventory;
  playbook: Playbook;
  extraVars: Vars;
  /** Hosts --limit selects (all of the inventory without it). */
  hosts: number;
  warnings: string[];
}
