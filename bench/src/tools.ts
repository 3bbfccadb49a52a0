/**
 * The two tools under test, coffer and restic, behind one interface: how to check they
 * are installed, their version, their environment, and the command line of each step,
 * for stores and sources on local disk or behind the loopback SFTP server. Both use a
 * passphrase from the environment and caches inside bench/work.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BenchError } from './errors.js';
import { locationUrl, type Location } from './location.js';
import { capture, type Invocation } from './measure.js';

/** Names accepted by --tools. */
export const TOOL_NAMES = ['coffer', 'restic'] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

const PASSWORD = 'benchpw';

/** Where the harness lives. */
export interface Paths {
  /** Repository root. */
  readonly root: string;
  /** bench/work. */
  readonly work: string;
}

/** One tool under test. */
export interface Tool {
  readonly name: ToolName;
  /** Throws a {@link BenchError} naming the fix when the tool cannot run. */
  preflight(): void;
  version(): string;
  /** Directories private to this tool that a run starts without (caches). */
  readonly stateDirs: readonly string[];
  create(store: Location): Invocation;
  /** Backs up `src`: a local one as the current directory (cwd = src, path "."). */
  backup(store: Location, src: Location): Invocation;
  /** Restores the latest snapshot into the local folder `target`. */
  restore(store: Location, target: string): Invocation;
  check(store: Location): Invocation;
  /** Lists every entry of the latest snapshot, recursively (the scale case's `ls --recursive`). */
  lsRecursive(store: Location): Invocation;
  /**
   * The precision (ns) to which this tool's restore sets mtimes on a local file system:
   * restic sets nanoseconds; coffer goes through Node's utimes, which keeps microseconds.
   */
  readonly mtimePrecisionNs: bigint;
}

/** process.env without any RESTIC_* or COFFER_* settings of the caller. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('RESTIC_') && !k.startsWith('COFFER_')) env[k] = v;
  }
  return { ...env, ...extra };
}

/**
 * restic's repository arguments: a path, or `sftp:user@host:/path` with the OpenSSH
 * command that reaches the loopback server (restic ignores the host part then).
 */
function resticRepo(store: Location): string[] {
  if (store.via === undefined) return ['-r', store.path];
  const s = store.via;
  return ['-o', `sftp.command=${s.sshCommand}`, '-r', `sftp:${s.user}@${s.host}:${store.path}`];
}

function restic(paths: Paths): Tool {
  const cache = join(paths.work, 'restic-cache');
  const xdg = join(paths.work, 'restic-xdg-cache');
  const env = cleanEnv({ RESTIC_PASSWORD: PASSWORD, RESTIC_CACHE_DIR: cache, XDG_CACHE_HOME: xdg });
  const inv = (cwd: string, store: Location, ...args: string[]): Invocation => ({ cmd: 'restic', args: [...resticRepo(store), ...args], cwd, env });
  return {
    name: 'restic',
    stateDirs: [cache, xdg],
    preflight() {
      if (capture('restic', ['version']) === undefined) {
        throw new BenchError('restic not found: run "npm run bench" (scripts/bench.sh installs it) or apt-get install restic');
      }
    },
    version: () => capture('restic', ['version']) ?? 'unknown',
    create: (store) => inv(paths.work, store, 'init'),
    backup(store, src) {
      if (src.via !== undefined) throw new BenchError('restic has no SFTP source: give it the local path');
      return inv(src.path, store, 'backup', '.');
    },
    restore: (store, target) => inv(paths.work, store, 'restore', 'latest', '--target', target),
    check: (store) => inv(paths.work, store, 'check', '--read-data'),
    lsRecursive: (store) => inv(paths.work, store, 'ls', 'latest'),
    mtimePrecisionNs: 1n,
  };
}

function coffer(paths: Paths): Tool {
  const bin = join(paths.root, 'bin', 'coffer.js');
  const xdg = join(paths.work, 'coffer-xdg-cache');
  // One state folder (remembered stores) for every step, whichever HOME the step has:
  // a step with the SFTP server's HOME would otherwise remember another rep's store.
  const state = join(paths.work, 'coffer-state');
  const env = cleanEnv({ COFFER_PASSPHRASE: PASSWORD, XDG_CACHE_HOME: xdg, COFFER_STATE_DIR: state });
  /** The environment of one step: with the SFTP server's HOME (~/.ssh) when it uses the server. */
  const envFor = (store: Location, src: Location | undefined): NodeJS.ProcessEnv => {
    const via = store.via ?? src?.via;
    return via === undefined ? env : { ...env, HOME: via.cofferHome, COFFER_SSH_HOME: via.cofferHome };
  };
  const inv = (cwd: string, store: Location, args: string[], src?: Location): Invocation => ({
    cmd: process.execPath,
    args: [bin, 'at', locationUrl(store), ...args],
    cwd,
    env: envFor(store, src),
  });
  return {
    name: 'coffer',
    stateDirs: [xdg, state],
    preflight() {
      if (!existsSync(bin)) throw new BenchError(`coffer CLI not found at ${bin}: build it first, or run with --tools restic`);
    },
    version: () => capture(process.execPath, [bin, 'version'], env)?.split('\n')[0] ?? 'unknown',
    create: (store) => inv(paths.work, store, ['create']),
    backup: (store, src) =>
      src.via === undefined ? inv(src.path, store, ['backup', '.']) : inv(paths.work, store, ['backup', locationUrl(src)], src),
    restore: (store, target) => inv(paths.work, store, ['restore', '--to', target, 'latest']),
    check: (store) => inv(paths.work, store, ['check']),
    lsRecursive: (store) => inv(paths.work, store, ['ls', '--recursive', 'latest']),
    mtimePrecisionNs: 1000n,
  };
}

/** The tool called `name`. */
export function makeTool(name: ToolName, paths: Paths): Tool {
  return name === 'restic' ? restic(paths) : coffer(paths);
}
