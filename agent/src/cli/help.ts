/**
 * `coffer help`, `coffer --help`, `coffer help VERB`, `coffer VERB --help`: the command
 * list (with the controller's `ctl` and `controller`), and per command its synopsis,
 * every flag it accepts (from the verb's own flag table, so none is left out) and an
 * example. Also the "did you mean" hint for an unknown command.
 */
import { didYouMean } from '@coffer/shared/did-you-mean.js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { EXAMPLES, FLAG_DOCS } from './help-text.js';
import type { Verb } from './verb.js';

/** Flags every command accepts, anywhere on the line (main.ts). */
export const GLOBAL_FLAG_DOCS: readonly (readonly [string, string])[] = [
  ['--passphrase-file F', "read the store's passphrase from file F (also --keyfile, COFFER_PASSPHRASE_FILE)"],
  ['--store S', "the store, as 'at S' (or COFFER_STORE)"],
  ['--quiet', 'no progress line'],
  ['--no-lock', 'readers take no lock (for stores this user cannot write to)'],
  ['--json', 'JSON lines output (for the commands that have it)'],
  ['--help, -h', 'help; `coffer help COMMAND` for one command'],
];

const EXIT_CODES =
  'exit codes: 0 ok, 1 error, 2 usage, 3 some files unreadable, 10 no store, 11 locked, 12 wrong passphrase, 14 untrusted store, 130 interrupted';

/** The overall usage: every command, the controller's, global flags, passphrase sources and exit codes. */
export function usage(verbs: ReadonlyMap<string, Verb>): string {
  const lines = ['usage: coffer [global flags] [at <store>] <command> [args]', '', 'commands:'];
  for (const v of verbs.values()) lines.push(`  ${v.usage}`);
  lines.push('  coffer ctl [--controller HOST:PORT] <command> …   the controller\'s admin commands (coffer ctl --help)');
  lines.push('  coffer controller start --data DIR …              runs a controller (coffer controller --help)');
  lines.push('', 'global flags (anywhere on the line):');
  for (const [f, d] of GLOBAL_FLAG_DOCS) lines.push(`  ${f.padEnd(22)} ${d}`);
  lines.push('', 'passphrase: COFFER_PASSPHRASE, COFFER_PASSPHRASE_CMD, --passphrase-file F, or a prompt on a terminal (never the command line)');
  lines.push("store: 'at <store>' or COFFER_STORE; 'coffer help <command>' shows a command's flags and an example", '', EXIT_CODES);
  return lines.join('\n');
}

function flagLine(name: string, kind: string): string {
  const head = kind === 'bool' ? `--${name}` : `--${name} ${kind === 'list' ? 'V (repeatable)' : 'V'}`;
  return `  ${head.padEnd(28)} ${FLAG_DOCS[name] ?? ''}`.trimEnd();
}

/** One command's help: synopsis, flags, global flags, example. */
export function verbHelp(v: Verb): string {
  const lines = [`usage: ${v.usage}`];
  const flags = Object.entries(v.flags);
  lines.push('', flags.length ? 'flags:' : 'flags: none of its own');
  for (const [name, kind] of flags) lines.push(flagLine(name, kind));
  lines.push('', `global flags: ${GLOBAL_FLAG_DOCS.map(([f]) => f.split(' ')[0]?.replace(',', '')).join(', ')} (see 'coffer help')`);
  const ex = EXAMPLES[v.name] ?? [];
  lines.push('', ex.length > 1 ? 'examples:' : 'example:');
  for (const e of ex.length ? ex : [v.usage]) lines.push(`  ${e}`);
  return lines.join('\n');
}

/** The verb named `name`, or a usage error with the nearest command name. */
export function findVerb(verbs: ReadonlyMap<string, Verb>, name: string): Verb {
  const v = verbs.get(name);
  if (v) return v;
  const hint = didYouMean(name, [...verbs.keys(), 'ctl', 'controller'], (c) => `'${c}'`);
  throw new CofferError(ErrorCode.Usage, `unknown command '${name}';${hint} run 'coffer help' for the list`);
}
