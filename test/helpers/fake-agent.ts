/**
 * A target held in memory, behind the same Agent interface the SSH transport implements: a tree of files,
 * directories and links (content, mode, owner, group, mtime), dpkg's packages, systemd's services, and the
 * commands a test tells it to answer. Engine tests run on it without root, sshd or a real file system.
 *
 * It follows agent.sh where the engine can tell: writes are atomic and leave an identical file untouched,
 * a read-only agent refuses every write (E_READ_ONLY), stat never follows the last link, a run lock is held
 * until its agent closes. Every change it makes is logged in `changes`, every command in `commands`.
 */
import {createHash} from 'node:crypto';
import {posix} from 'node:path';
import type {Readable} from 'node:stream';
import {PxeError, type ErrorCode} from '../../src/errors.js';
import type {OpenAgent} from '../../src/engine/host-run.js';
import type {
  Agent,
  ExecOptions,
  ExecResult,
  Facts,
  FileAttrs,
  StatResult,
  TreeEntry,
  WriteOptions,
  WriteResult,
} from '../../src/transport/types.js';

export interface FakeNode {
  kind: 'file' | 'directory' | 'link';
  content: Buffer;
  mode: number;
  owner: string;
  group: string;
  mtime: number;
  /** A link's target. */
  target?: string;
}

export interface FakeService {
  active: boolean;
  enabled: boolean;
}

export interface ExecReply {
  rc?: number;
  stdout?: string;
  stderr?: string;
}

/** What a told command answers: a fixed reply, or one computed from the call. */
export type ExecAnswer = ExecReply | ((argv: string[], options: ExecOptions) => ExecReply);

const USERS: Record<string, number> = {root: 0, daemon: 1, bin: 2, nobody: 65534, www: 33, pxe: 1000};
const EPOCH = 1_750_000_000;

export function fakeFacts(overrides: Partial<Facts> = {}): Facts {
  return {
    os: {id: 'debian', versionId: '12', codename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)', idLike: []},
    kernel: '6.1.0-fake',
    arch: 'x86_64',
    hostname: 'fake',
    init: 'systemd',
    interfaces: [
      {name: 'eth0', mac: '52:54:00:00:00:01', ipv4: ['192.0.2.10/24'], ipv6: [], up: true, manager: 'none'},
    ],
    defaultRoute: {iface: 'eth0', gateway: '192.0.2.1'},
    packages: {},
    user: 'root',
    uid: 0,
    shell: 'dash',
    ...overrides,
  };
}

/** The command line as a test names it: a shell task's script, else the argv joined by spaces. */
export function commandLine(argv: string[]): string {
  return argv.length === 3 && argv[1] === '-c' && /(^|\/)(ba|da)?sh$/.test(argv[0]!) ? argv[2]! : argv.join(' ');
}

/** One target: its state survives the agents opened on it, as a host's does between runs. */
export class FakeHost {
  private clock = EPOCH;
  readonly nodes = new Map<string, FakeNode>([['/', this.node('directory', 0o755)]]);
  readonly packages = new Map<string, string>();
  readonly services = new Map<string, FakeService>();
  /** Every change made to the target, in order: "write /etc/x", "mkdir /srv", "exec systemctl restart …". */
  readonly changes: string[] = [];
  /** Every command run, in order. */
  readonly commands: string[][] = [];
  facts: Facts;
  /** Set to make connecting fail as an unreachable host does. */
  unreachable = false;
  private readonly answers: {match: string | RegExp; answer: ExecAnswer}[] = [];
  private lockHolder?: {dir: string; holder: string; agent: FakeAgent};

  constructor(
    readonly name: string,
    facts: Partial<Facts> = {},
  ) {
    this.facts = fakeFacts({hostname: name, ...facts});
  }

  /** Files (content), directories (a trailing '/') or links ('-> target'), parents made as needed. */
  withFiles(files: Record<string, string | {content?: string; mode?: number; owner?: string; group?: string}>): this {
    for (const [path, spec] of Object.entries(files)) {
      const attrs = typeof spec === 'string' ? {content: spec} : spec;
      this.mkdirs(posix.dirname(path));
      if (path.endsWith('/')) this.mkdirs(path);
      else if (attrs.content?.startsWith('-> '))
        this.nodes.set(path, {...this.node('link', 0o777), target: attrs.content.slice(3)});
      else
        this.nodes.set(path, {
          ...this.node('file', attrs.mode ?? 0o644),
          content: Buffer.from(attrs.content ?? ''),
          ...pick(attrs),
        });
    }
    return this;
  }

  /** A command answers this way from now on (the latest answer for a command line wins). */
  answer(match: string | RegExp, answer: ExecAnswer): this {
    this.answers.unshift({match, answer});
    return this;
  }

  /** The text of a file, or undefined when there is none. */
  read(path: string): string | undefined {
    const node = this.nodes.get(path);
    return node?.kind === 'file' ? node.content.toString() : undefined;
  }

  /** The command lines run, in order. */
  ran(): string[] {
    return this.commands.map(commandLine);
  }

  connect(readOnly: boolean): FakeAgent {
    if (this.unreachable)
      throw new PxeError('E_CONNECT', `cannot connect to ${this.name}: connection refused`, {where: {host: this.name}});
    return new FakeAgent(this, readOnly);
  }

  node(kind: FakeNode['kind'], mode: number, owner = 'root', group = owner): FakeNode {
    return {kind, content: Buffer.alloc(0), mode, owner, group, mtime: this.tick()};
  }

  tick(): number {
    return ++this.clock;
  }

  mkdirs(path: string): void {
    const parts = path.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const dir = `/${parts.slice(0, i).join('/')}`;
      if (!this.nodes.has(dir)) this.nodes.set(dir, this.node('directory', 0o755));
    }
  }

  takeLock(dir: string, holder: string, agent: FakeAgent): string | undefined {
    if (this.lockHolder && this.lockHolder.agent !== agent) return `1234 fake-boot ${this.lockHolder.holder}`;
    this.lockHolder = {dir, holder, agent};
    return undefined;
  }

  releaseLock(agent: FakeAgent): void {
    if (this.lockHolder?.agent === agent) this.lockHolder = undefined;
  }

  exec(argv: string[], options: ExecOptions): ExecReply {
    this.commands.push(argv);
    const line = commandLine(argv);
    const told = this.answers.find(({match}) =>
      typeof match === 'string' ? line === match || line.startsWith(`${match} `) : match.test(line),
    );
    if (told) return typeof told.answer === 'function' ? told.answer(argv, options) : told.answer;
    return (
      builtinAnswer(this, argv) ?? {rc: 127, stderr: `fake agent: nothing told to answer ${JSON.stringify(line)}\n`}
    );
  }
}

const pick = (attrs: FileAttrs): Partial<FakeNode> =>
  Object.fromEntries(
    Object.entries({mode: attrs.mode, owner: attrs.owner, group: attrs.group}).filter(([, v]) => v !== undefined),
  );

/** dpkg-query, apt-get and systemctl as the apt and service modules call them. */
function builtinAnswer(host: FakeHost, argv: string[]): ExecReply | undefined {
  const [cmd, sub] = argv;
  if (cmd === 'dpkg-query') {
    const names = argv.slice(argv.indexOf('--') + 1);
    const known = names.filter((n) => host.packages.has(n));
    const stdout = known.map((n) => `${n}\tinstall ok installed\t${host.packages.get(n)}\n`).join('');
    const stderr = names
      .filter((n) => !host.packages.has(n))
      .map((n) => `dpkg-query: no packages found matching ${n}\n`)
      .join('');
    return {rc: stderr ? 1 : 0, stdout, stderr};
  }
  if (cmd === 'apt-get' && (sub === 'install' || sub === 'remove' || sub === 'purge' || sub === 'update')) {
    host.changes.push(argv.join(' '));
    for (const spec of argv.slice(2).filter((a) => !a.startsWith('-') && !a.includes('::'))) {
      const [name, version] = spec.split('=');
      if (sub === 'install') host.packages.set(name!, version ?? '1.0-1');
      else host.packages.delete(name!);
    }
    return {rc: 0};
  }
  if (cmd === 'sh' && argv[2]?.includes('systemctl is-enabled')) {
    // The service module's query: `INDEX STATE` and `---` per unit (empty for an unknown one; the units answer in
    // any order: here the last first), then one show.
    const services = argv.slice(4).map((name) => host.services.get(name));
    const enabled = services
      .map((s, i) => `${i + 1} ${s ? (s.enabled ? 'enabled' : 'disabled') : ''}\n---\n`)
      .reverse()
      .join('');
    const shown = services.map((s) =>
      s
        ? `LoadState=loaded\nActiveState=${s.active ? 'active' : 'inactive'}\n`
        : 'LoadState=not-found\nActiveState=inactive\n',
    );
    return {rc: 0, stdout: enabled + shown.join('\n')};
  }
  if (cmd === 'systemctl') {
    const service = host.services.get(argv.at(-1)!);
    if (!service) return {rc: 5, stderr: `Unit ${argv.at(-1)}.service not found.\n`};
    host.changes.push(argv.join(' '));
    if (sub === 'start' || sub === 'restart' || sub === 'reload') service.active = true;
    if (sub === 'stop') service.active = false;
    if (sub === 'enable' || sub === 'disable') service.enabled = sub === 'enable';
    return {rc: 0};
  }
  return undefined;
}

export class FakeAgent implements Agent {
  readonly host: string;
  facts: Facts;
  private closed = false;

  constructor(
    private readonly target: FakeHost,
    readonly readOnly: boolean,
  ) {
    this.host = target.name;
    this.facts = target.facts;
  }

  private fail(code: ErrorCode, message: string): PxeError {
    return new PxeError(code, message, {where: {host: this.host}});
  }

  private path(path: string, op: string): string {
    if (this.closed) throw this.fail('E_DISCONNECTED', `${op} ${path}: the agent is closed`);
    if (!path.startsWith('/') || path.includes('\0'))
      throw this.fail('E_REMOTE', `${op} ${path}: paths must be absolute and free of NUL bytes`);
    return posix.normalize(path).replace(/(.)\/$/, '$1');
  }

  private writable(path: string, op: string): string {
    const clean = this.path(path, op);
    if (this.readOnly) throw this.fail('E_READ_ONLY', 'the agent was opened read-only (check mode)');
    return clean;
  }

  /** The directory a new entry goes in: it must exist. */
  private parentOf(path: string, op: string): void {
    if (this.target.nodes.get(posix.dirname(path))?.kind !== 'directory')
      throw this.fail('E_REMOTE', `${op} ${path}: no such directory`);
  }

  /** Follows links (as open(2) does) to the node a path names. */
  private resolved(path: string): FakeNode | undefined {
    let node = this.target.nodes.get(path);
    for (let hops = 0; node?.kind === 'link' && hops < 40; hops++) {
      path = posix.resolve(posix.dirname(path), node.target!);
      node = this.target.nodes.get(path);
    }
    return node;
  }

  private changed(what: string): void {
    this.target.changes.push(what);
  }

  async gatherFacts(): Promise<Facts> {
    this.path('/', 'facts');
    this.facts = this.target.facts;
    return this.facts;
  }

  async stat(paths: string[], options: {sha256?: boolean} = {}): Promise<StatResult[]> {
    return paths.map((p) => {
      const node = this.target.nodes.get(this.path(p, 'stat'));
      if (!node) return {path: p, kind: 'absent'};
      const result: StatResult = {
        path: p,
        kind: node.kind,
        mode: node.mode,
        uid: USERS[node.owner] ?? 1000,
        gid: USERS[node.group] ?? 1000,
        owner: node.owner,
        group: node.group,
        size: node.kind === 'link' ? node.target!.length : node.content.length,
        mtime: node.mtime,
      };
      if (node.kind === 'link') result.target = node.target;
      if (node.kind === 'file' && options.sha256) result.sha256 = sha256(node.content);
      return result;
    });
  }

  async readFile(path: string): Promise<Buffer | null> {
    const clean = this.path(path, 'readFile');
    const node = this.resolved(clean);
    if (!node) {
      if (this.target.nodes.has(clean)) throw this.fail('E_REMOTE', `read ${path}: dangling symlink`);
      return null;
    }
    if (node.kind === 'directory') throw this.fail('E_REMOTE', `read ${path}: is a directory`);
    return Buffer.from(node.content);
  }

  async download(path: string, into: NodeJS.WritableStream): Promise<void> {
    const content = await this.readFile(path);
    if (content === null) throw this.fail('E_REMOTE', `download ${path}: no such file`);
    await new Promise<void>((resolve) => into.end(content, () => resolve()));
  }

  async writeFile(path: string, content: Buffer | string, options: WriteOptions = {}): Promise<WriteResult> {
    const clean = this.writable(path, 'write');
    this.parentOf(clean, 'write');
    const body = typeof content === 'string' ? Buffer.from(content) : content;
    const old = this.target.nodes.get(clean);
    if (old?.kind === 'directory') throw this.fail('E_REMOTE', `write ${path}: is a directory`);
    const attrs = pick(options);
    if (old?.kind === 'file' && old.content.equals(body)) {
      if (Object.entries(attrs).every(([k, v]) => old[k as keyof FakeNode] === v)) return {changed: false};
      Object.assign(old, attrs);
      this.changed(`attrs ${clean}`);
      return {changed: true};
    }
    if (options.validate) {
      const argv = options.validate.map((a) => a.replace('%s', `${posix.dirname(clean)}/.pxeprov-tmp`));
      const reply = this.target.exec(argv, {});
      if ((reply.rc ?? 0) !== 0)
        throw this.fail(
          'E_CONFIG_CHECK',
          `${argv[0]} refused the new content: ${reply.stdout ?? ''}${reply.stderr ?? ''}`,
        );
    }
    const result: WriteResult = {changed: true};
    if (options.backup && old?.kind === 'file') {
      result.backup = `/var/lib/pxeprov/backup${clean}/${this.target.tick()}`;
      this.target.mkdirs(posix.dirname(result.backup));
      this.target.nodes.set(result.backup, {...old});
    }
    const keep = old?.kind === 'file' ? {mode: old.mode, owner: old.owner, group: old.group} : {};
    this.target.nodes.set(clean, {
      ...this.target.node('file', 0o644, this.facts.user),
      ...keep,
      ...attrs,
      content: Buffer.from(body),
    });
    this.changed(`write ${clean}`);
    return result;
  }

  async upload(
    path: string,
    content: Readable,
    size: number,
    options: WriteOptions & {sha256?: string} = {},
  ): Promise<WriteResult> {
    const chunks: Buffer[] = [];
    for await (const chunk of content) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    const body = Buffer.concat(chunks);
    if (body.length !== size)
      throw this.fail('E_REMOTE', `upload ${path}: the local stream holds ${body.length} bytes, not ${size}`);
    if (options.sha256 !== undefined && sha256(body) !== options.sha256)
      throw this.fail('E_REMOTE', `upload ${path}: sha256 mismatch after transfer`);
    return this.writeFile(path, body, options);
  }

  async setAttrs(path: string, attrs: FileAttrs): Promise<void> {
    const clean = this.writable(path, 'attrs');
    const node = this.target.nodes.get(clean);
    if (!node) throw this.fail('E_REMOTE', `attrs ${path}: no such file or directory`);
    if (node.kind === 'link' && attrs.mode !== undefined)
      throw this.fail('E_REMOTE', `attrs ${path}: ${path} is a symbolic link: its mode is not set`);
    Object.assign(node, pick(attrs));
    this.changed(`attrs ${clean}`);
  }

  async mkdir(path: string, options: FileAttrs & {parents?: boolean} = {}): Promise<void> {
    const clean = this.writable(path, 'mkdir');
    const existing = this.target.nodes.get(clean);
    if (existing && existing.kind !== 'directory') throw this.fail('E_REMOTE', `mkdir ${path}: not a directory`);
    if (!existing) {
      if (options.parents) this.target.mkdirs(posix.dirname(clean));
      else this.parentOf(clean, 'mkdir');
      this.target.nodes.set(clean, this.target.node('directory', 0o755, this.facts.user));
      this.changed(`mkdir ${clean}`);
    }
    const attrs = pick(options);
    if (Object.keys(attrs).length > 0) Object.assign(this.target.nodes.get(clean)!, attrs);
  }

  async remove(path: string, options: {recursive?: boolean} = {}): Promise<void> {
    const clean = this.writable(path, 'rm');
    const node = this.target.nodes.get(clean);
    if (!node) return;
    const below = [...this.target.nodes.keys()].filter((p) => p.startsWith(`${clean}/`));
    if (node.kind === 'directory' && !options.recursive) throw this.fail('E_REMOTE', `rm ${path}: is a directory`);
    for (const p of [clean, ...below]) this.target.nodes.delete(p);
    this.changed(`remove ${clean}`);
  }

  async symlink(target: string, path: string): Promise<void> {
    const clean = this.writable(path, 'link');
    this.parentOf(clean, 'link');
    const old = this.target.nodes.get(clean);
    if (old?.kind === 'link' && old.target === target) return;
    if (old?.kind === 'directory') throw this.fail('E_REMOTE', `link ${path}: is a directory`);
    this.target.nodes.set(clean, {...this.target.node('link', 0o777, this.facts.user), target});
    this.changed(`symlink ${clean}`);
  }

  async replaceTree(from: string, to: string): Promise<void> {
    const [src, dst] = [this.writable(from, 'swap'), this.writable(to, 'swap')];
    if (this.target.nodes.get(src)?.kind !== 'directory') throw this.fail('E_REMOTE', `swap ${from}: not a directory`);
    for (const p of [...this.target.nodes.keys()])
      if (p === dst || p.startsWith(`${dst}/`)) this.target.nodes.delete(p);
    for (const [p, node] of [...this.target.nodes]) {
      if (p !== src && !p.startsWith(`${src}/`)) continue;
      this.target.nodes.delete(p);
      this.target.nodes.set(dst + p.slice(src.length), node);
    }
    this.changed(`swap ${src} ${dst}`);
  }

  async lock(dir: string, holder: string): Promise<string | undefined> {
    const clean = this.writable(dir, 'lock');
    this.parentOf(clean, 'lock');
    return this.target.takeLock(clean, holder, this);
  }

  async exec(argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (argv.length === 0) throw this.fail('E_REMOTE', 'exec: empty argv');
    this.path(options.cwd ?? '/', 'exec');
    const reply = this.target.exec(argv, options);
    return {rc: reply.rc ?? 0, stdout: Buffer.from(reply.stdout ?? ''), stderr: Buffer.from(reply.stderr ?? '')};
  }

  async hashTree(dir: string): Promise<TreeEntry[]> {
    return this.tree(dir, true);
  }

  async listTree(dir: string): Promise<TreeEntry[]> {
    return this.tree(dir, false);
  }

  private tree(dir: string, hash: boolean): TreeEntry[] {
    const root = this.path(dir, 'tree');
    return [...this.target.nodes]
      .filter(([p]) => p.startsWith(`${root}/`))
      .map(([p, node]) => {
        const entry: TreeEntry = {
          path: p.slice(root.length + 1),
          kind: node.kind,
          mode: node.mode,
          size: node.content.length,
        };
        if (hash && node.kind === 'file') entry.sha256 = sha256(node.content);
        if (!hash) entry.mtime = node.mtime;
        if (node.kind === 'link') entry.target = node.target;
        return entry;
      })
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.target.releaseLock(this);
  }
}

const sha256 = (content: Buffer) => createHash('sha256').update(content).digest('hex');

/** The engine's way to reach these hosts (an inventory name with no fake host is unreachable). */
export function openFakes(hosts: FakeHost[]): OpenAgent {
  const byName = new Map(hosts.map((h) => [h.name, h]));
  return async (name, _vars, readOnly) => {
    const host = byName.get(name);
    if (!host) throw new PxeError('E_CONNECT', `cannot connect to ${name}: no such host`, {where: {host: name}});
    return host.connect(readOnly);
  };
}
