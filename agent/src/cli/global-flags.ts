/**
 * The flags every command accepts anywhere on its line (before a `--`): they are taken
 * out of the words before the verb sees them, so `coffer at S ls --quiet` is no more
 * an error than `coffer --quiet at S ls`; `--store S` names the store as `at S` does. A passphrase on the command line
 * (`--passphrase`, `--password`) is refused, naming the ways that work, without
 * repeating what was typed.
 */
import { didYouMean } from '@coffer/shared/did-you-mean.js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';

/** Global flags and their kinds. */
export const GLOBAL_FLAGS = { 'passphrase-file': 'string', keyfile: 'string', store: 'string', quiet: 'bool', 'no-lock': 'bool', help: 'bool', h: 'bool' } as const;

/** What the global flags said. */
export interface Globals {
  passphraseFile?: string;
  /** `--store S`: the store, as `at S` (anywhere on the line). */
  store?: string;
  quiet: boolean;
  noLock: boolean;
  help: boolean;
}

const SECRET_FLAG = /^--?(new-)?(passphrase|password|pass)(=|$)/;

/** Throws a usage error when `words` (before any `--`) give a passphrase on the command line. */
export function refuseSecretFlags(words: readonly string[]): void {
  const bad = words.find((w) => SECRET_FLAG.test(w));
  if (bad === undefined) return;
  const flag = bad.split('=')[0] as string;
  const isNew = flag.includes('new-');
  const env = isNew ? 'COFFER_NEW_PASSPHRASE' : 'COFFER_PASSPHRASE';
  const file = isNew ? '--new-passphrase-file FILE' : '--passphrase-file FILE';
  throw new CofferError(
    ErrorCode.Usage,
    `a passphrase is never taken on the command line (${flag}): other users can read the command lines of running processes, and shells keep a history; ` +
      `give it in ${env}, in a file with ${file}, as a command that prints it in ${env}_CMD, or type it at the prompt on a terminal`,
  );
}

/**
 * Splits `argv` into the global flags (anywhere before `--`) and the other words, in order.
 * Unknown flags before the verb (before `at`, or between `at STORE` and the verb) are a
 * usage error (with the nearest global flag), except `--json`, handed to the verb.
 */
export function takeGlobals(argv: readonly string[]): { globals: Globals; words: string[] } {
  const end = argv.indexOf('--');
  const head = end < 0 ? argv : argv.slice(0, end);
  refuseSecretFlags(head);
  const g: Globals = { quiet: false, noLock: false, help: false };
  const words: string[] = [];
  const leadingJson: string[] = [];
  for (let i = 0; i < head.length; i++) {
    const a = head[i] as string;
    const m = /^--?([a-z][a-z-]*)(?:=(.*))?$/.exec(a);
    const name = m?.[1];
    const kind = name !== undefined ? (GLOBAL_FLAGS as Record<string, string>)[name] : undefined;
    if (m && kind === 'string') {
      const value = m[2] ?? head[++i];
      if (value === undefined) throw new CofferError(ErrorCode.Usage, `flag --${name} needs a value`);
      if (name === 'store') g.store = value;
      else g.passphraseFile = value;
    } else if (m && kind === 'bool') {
      if (m[2] !== undefined && m[2] !== 'true' && m[2] !== 'false') throw new CofferError(ErrorCode.Usage, `flag --${name} takes no value (or =true/=false)`);
      const on = m[2] !== 'false';
      if (name === 'quiet') g.quiet = on;
      else if (name === 'no-lock') g.noLock = on;
      else g.help = on;
    } else if ((words.length === 0 || (words[0] === 'at' && words.length === 2)) && a.startsWith('-') && a.length > 1) {
      // Before the verb (`coffer -x …`, `coffer at S -x …`) only global flags and --json belong.
      if (name === 'json') leadingJson.push(a);
      else {
        const hint = didYouMean(name ?? a, [...Object.keys(GLOBAL_FLAGS), 'json'], (k) => `--${k}`);
        throw new CofferError(ErrorCode.Usage, `unknown global flag '${a}';${hint} flags of a command go after it ('coffer help' lists both)`);
      }
    } else {
      words.push(a);
    }
  }
  // `--json` before the verb goes to the verb (after `at STORE VERB`).
  if (leadingJson.length) {
    const at = words[0] === 'at' ? 3 : 1;
    words.splice(Math.min(at, words.length), 0, ...leadingJson);
  }
  return { globals: g, words: [...words, ...(end < 0 ? [] : argv.slice(end))] };
}
