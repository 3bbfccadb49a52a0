/**
 * Where passphrases come from, in order: --passphrase-file, the named store's
 * `passphrase` or `passphrase_cmd`, COFFER_PASSPHRASE, COFFER_PASSPHRASE_CMD, and a
 * prompt when standard input is a terminal. Never the command line.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { prompt } from './prompt.js';

/** Inputs for resolving a passphrase. */
export interface PassphraseInputs {
  readonly file?: string | undefined;
  readonly store?: Readonly<Record<string, string>> | undefined;
  readonly env: NodeJS.ProcessEnv;
  /** Ask twice on a terminal (store creation). */
  readonly confirm?: boolean;
  /** Names the store in prompts and errors. */
  readonly what: string;
  /** Environment variable names; defaults COFFER_PASSPHRASE(_CMD). */
  readonly envVar?: string;
}

function runCmd(cmd: string, what: string): string {
  try {
    return execFileSync('/bin/sh', ['-c', cmd], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).replace(/\r?\n$/, '');
  } catch {
    throw new CofferError(ErrorCode.WrongPassphrase, `the passphrase command for ${what} failed; check it runs on its own`);
  }
}

/**
 * Where a passphrase is configured for (file, named-store setting, environment), without
 * reading, running or prompting for it; undefined when only a prompt could give one.
 */
export function passphraseGiven(i: Omit<PassphraseInputs, 'what'>): string | undefined {
  const envVar = i.envVar ?? 'COFFER_PASSPHRASE';
  if (i.file) return 'a passphrase file';
  if (i.store?.passphrase !== undefined) return "the store's passphrase setting";
  if (i.store?.passphrase_cmd) return "the store's passphrase_cmd setting";
  const env = i.env[envVar];
  if (env !== undefined && env !== '') return envVar;
  if (i.env[`${envVar}_CMD`]) return `${envVar}_CMD`;
  return undefined;
}

/** Resolves the passphrase; throws WrongPassphrase naming the options when none is available. */
export async function resolvePassphrase(i: PassphraseInputs): Promise<string> {
  const envVar = i.envVar ?? 'COFFER_PASSPHRASE';
  if (i.file) {
    try {
      return fs.readFileSync(i.file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new CofferError(ErrorCode.Usage, `cannot read passphrase file ${i.file}: ${(err as Error).message}`);
    }
  }
  if (i.store?.passphrase !== undefined) return i.store.passphrase;
  if (i.store?.passphrase_cmd) return runCmd(i.store.passphrase_cmd, i.what);
  const env = i.env[envVar];
  if (env !== undefined && env !== '') return env;
  const cmd = i.env[`${envVar}_CMD`];
  if (cmd) return runCmd(cmd, i.what);
  if (process.stdin.isTTY && process.stderr.isTTY) {
    const p = await prompt(`passphrase for ${i.what}: `);
    if (i.confirm) {
      const again = await prompt('repeat passphrase: ');
      if (again !== p) throw new CofferError(ErrorCode.Usage, 'the passphrases do not match');
    }
    if (p === '') throw new CofferError(ErrorCode.Usage, 'an empty passphrase is not allowed (use --plaintext for an unencrypted store)');
    return p;
  }
  throw new CofferError(
    ErrorCode.WrongPassphrase,
    `${i.what} needs a passphrase: set ${envVar} or ${envVar}_CMD, or pass --passphrase-file FILE`,
  );
}
