/**
 * What the rest of pxeprov sees of a target: the Agent. Only src/transport implements it (over ssh2 and
 * agent.sh); resources and the engine call nothing else to read or change a host.
 * Every method may be called many times without awaiting: requests are pipelined on one channel and
 * replies matched by id.
 */
import type {Readable} from 'node:stream';

export type FileKind = 'absent' | 'file' | 'directory' | 'link' | 'other';

export interface StatResult {
  path: string;
  kind: FileKind;
  /** Permission bits only (e.g. 0o644); absent when kind is 'absent'. */
  mode?: number;
  uid?: number;
  gid?: number;
  owner?: string;
  group?: string;
  size?: number;
  /** Seconds since the epoch. */
  mtime?: number;
  /** Symlink target, when kind is 'link'. */
  target?: string;
  /** Hex sha256 of a regular file's content, when asked for. */
  sha256?: string;
}

export interface FileAttrs {
  /** Permission bits, e.g. 0o644. */
  mode?: number;
  owner?: string;
  group?: string;
}

export interface WriteOptions extends FileAttrs {
  /** Copy the file being replaced to /var/lib/pxeprov/backup/ first. */
  backup?: boolean;
  /**
   * A command that must accept the new content before it goes live, e.g. ['dhcpd','-t','-cf','%s'];
   * '%s' is replaced by the temp file's path. On failure the temp file is removed and the write
   * throws E_CONFIG_CHECK with the command's output.
   */
  validate?: string[];
}

export interface WriteResult {
  /** False when the target already had exactly this content and attributes (nothing touched). */
  changed: boolean;
  /** Where the replaced file was backed up, if it was. */
  backup?: string;
}

export interface ExecOptions {
  stdin?: Buffer | string;
  env?: Record<string, string>;
  cwd?: string;
  /** Seconds; default: the connection's request timeout. */
  timeout?: number;
}

export interface ExecResult {
  rc: number;
  stdout: Buffer;
  stderr: Buffer;
}

export interface TreeEntry {
  /** Relative to the tree's root, '/'-separated, no leading './'. */
  path: string;
  kind: 'file' | 'directory' | 'link' | 'other';
  mode: number;
  size: number;
  /** Seconds since the epoch (listTree). */
  mtime?: number;
  sha256?: string;
  target?: string;
}

export interface TreeUpload {
  /** Relative to the tree's root, '/'-separated. */
  path: string;
  size: number;
  sha256: string;
  /** Opens the local content when its turn comes. */
  open(): Readable;
}

export interface InterfaceFact {
  name: string;
  mac?: string;
  /** CIDR strings, e.g. '192.168.1.20/24'. */
  ipv4: string[];
  ipv6: string[];
  up: boolean;
  /** Which tool manages it: netplan, ifupdown, NetworkManager, or none found. */
  manager: 'netplan' | 'ifupdown' | 'NetworkManager' | 'none';
}

export interface PackageFact {
  name: string;
  /** dpkg's status, e.g. 'install ok installed'; absent when dpkg does not know the package. */
  status?: string;
  version?: string;
}

export interface Facts {
  os: {id: string; versionId: string; codename: string; prettyName: string; idLike: string[]};
  kernel: string;
  arch: string;
  hostname: string;
  init: 'systemd' | 'sysvinit' | 'other';
  interfaces: InterfaceFact[];
  defaultRoute?: {iface: string; gateway?: string};
  /** The interface the SSH connection arrives on (from SSH_CONNECTION), if found. */
  sshIface?: string;
  /** Address the SSH connection arrives at on the target. */
  sshAddress?: string;
  packages: Record<string, PackageFact>;
  /** The user the agent runs as (after become). */
  user: string;
  uid: number;
  /** The shell that runs agent.sh, e.g. 'dash', 'bash', 'busybox'. */
  shell: string;
}

export interface Agent {
  readonly host: string;
  readonly readOnly: boolean;
  readonly facts: Facts;

  /** Gather facts again (one round trip), naming packages whose dpkg status is wanted. */
  gatherFacts(packages?: string[]): Promise<Facts>;
  /** Many paths in one request. Never follows the last symlink (lstat). */
  stat(paths: string[], options?: {sha256?: boolean}): Promise<StatResult[]>;
  /** The content of a file, or null when it does not exist. */
  readFile(path: string): Promise<Buffer | null>;
  /** Stream a (large) remote file; resolves once the stream is finished. */
  download(path: string, into: NodeJS.WritableStream): Promise<void>;
  /** Atomic write: temp file in the same directory, fsync, attrs, rename. Identical content + attrs: untouched. */
  writeFile(path: string, content: Buffer | string, options?: WriteOptions): Promise<WriteResult>;
  /** The same, streaming `size` bytes from a local stream (ISOs, hundreds of MB); `onSent` hears each chunk's length as it goes. */
  upload(
    path: string,
    content: Readable,
    size: number,
    options?: WriteOptions & {sha256?: string; onSent?: (bytes: number) => void},
  ): Promise<WriteResult>;
  /**
   * Many new files into `dir` (a directory only root or this user can change, e.g. a staging tree) in one
   * request: created exclusively with mode 0644, parents made, each checked against its sha256, flushed to
   * disk once at the end. Names are relative, without '.', '..' or a newline. On failure what was written
   * stays in `dir`.
   */
  putTree(dir: string, files: TreeUpload[], options?: {onSent?: (bytes: number) => void}): Promise<void>;
  /** Set mode/owner/group of an existing path. */
  setAttrs(path: string, attrs: FileAttrs): Promise<void>;
  mkdir(path: string, options?: FileAttrs & {parents?: boolean}): Promise<void>;
  remove(path: string, options?: {recursive?: boolean}): Promise<void>;
  symlink(target: string, path: string): Promise<void>;
  /** Atomically replace `to` (a directory, may exist) with `from`: rename(2) based, old tree removed after. */
  replaceTree(from: string, to: string): Promise<void>;
  /**
   * Takes this run's lock on the target (a directory, removed when the agent ends; a lock whose agent is
   * gone is taken over). Undefined when taken, else who holds it ("PID BOOT-ID HOLDER").
   */
  lock(dir: string, holder: string): Promise<string | undefined>;
  exec(argv: string[], options?: ExecOptions): Promise<ExecResult>;
  /** Every file under `dir` with mode, size and sha256 (sorted by path); [] when dir is absent. */
  hashTree(dir: string): Promise<TreeEntry[]>;
  /** Every entry under `dir` with mode, size and mtime, no content read (sorted by path); [] when dir is absent. */
  listTree(dir: string): Promise<TreeEntry[]>;
  close(): Promise<void>;
}
