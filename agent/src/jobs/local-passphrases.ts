/**
 * Passphrases the agent keeps itself, for stores whose passphrase the controller must
 * never hold: `<workDir>/passphrases.json`, mode 0600 (a file readable by group or
 * others is refused), mapping a store's name to its passphrase, or to how to get it:
 *
 *   { "nas": "a long passphrase",
 *     "offsite": { "passphrase_file": "/etc/coffer/offsite.pass" },
 *     "vault": { "passphrase_cmd": "pass show coffer/vault" } }
 *
 * The file is read at each call, so edits apply without a restart. A passphrase file's
 * content and a command's output lose one trailing newline. A command runs with
 * /bin/sh -c, no input, a time limit, and its stderr discarded.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';

/** The file's name under the agent's data folder. */
export const PASSPHRASES_FILE = 'passphrases.json';

/** How one store's passphrase is kept. */
type Keeping = string | { readonly passphrase?: string; readonly passphrase_file?: string; readonly passphrase_cmd?: string };

/** The agent's own passphrases. */
export interface LocalPassphrases {
  /** Stores whose passphrase the agent keeps (Hello.local_passphrase_stores), sorted. */
  names(): string[];
  /**
   * The passphrase of a store, or undefined when the agent keeps none for it. Throws a
   * CofferError (Config, WrongPassphrase) when the entry exists but gives no passphrase.
   */
  localPassphrase(store: string): Promise<string | undefined>;
}

/** Options of {@link createLocalPassphrases}. */
export interface LocalPassphrasesOptions {
  /** Time limit of a passphrase_cmd. @default 30000 */
  readonly cmdTimeoutMs?: number;
}

function read(file: string): Record<string, Keeping> {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    return {};
  }
  if ((st.mode & 0o077) !== 0) {
    throw new CofferError(ErrorCode.Config, `${file} is readable by other users (mode ${(st.mode & 0o777).toString(8)}); run chmod 600 ${file}`);
  }
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, Keeping>;
  } catch (err) {
    throw new CofferError(ErrorCode.Config, `${file} is not a JSON object of store names: ${(err as Error).message}`);
  }
}

function stripNewline(s: string): string {
  return s.replace(/\r?\n$/, '');
}

function runCmd(cmd: string, store: string, timeout: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('/bin/sh', ['-c', cmd], { encoding: 'utf8', timeout, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 }, (err, stdout) => {
      if (err) reject(new CofferError(ErrorCode.WrongPassphrase, `the passphrase command for store '${store}' failed (${err.killed ? 'timed out' : `exit ${String(err.code ?? '?')}`}); check it runs on its own`));
      else resolve(stripNewline(stdout));
    });
    child.stdin?.end();
  });
}

/** The agent's passphrases, kept in `<workDir>/passphrases.json`. */
export function createLocalPassphrases(workDir: string, opts: LocalPassphrasesOptions = {}): LocalPassphrases {
  const file = path.join(workDir, PASSPHRASES_FILE);
  return {
    names: () => Object.keys(read(file)).sort(),
    async localPassphrase(store) {
      const k = read(file)[store];
      if (k === undefined) return undefined;
      if (typeof k === 'string') return k;
      if (typeof k.passphrase === 'string') return k.passphrase;
      if (k.passphrase_file) {
        try {
          return stripNewline(await fs.promises.readFile(k.passphrase_file, 'utf8'));
        } catch (err) {
          throw new CofferError(ErrorCode.Config, `cannot read the passphrase file of store '${store}': ${(err as Error).message}`);
        }
      }
      if (k.passphrase_cmd) return runCmd(k.passphrase_cmd, store, opts.cmdTimeoutMs ?? 30_000);
      throw new CofferError(ErrorCode.Config, `${file}: store '${store}' has no passphrase, passphrase_file or passphrase_cmd`);
    },
  };
}
