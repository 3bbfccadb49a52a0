/**
 * The `coffer` command line: `coffer [global flags] [at <store>] <command> [args]`.
 * Parses global flags, finds the verb, runs it, and turns any error into one line on
 * stderr and the documented exit status (see README). With `--json`, a failure is also
 * one line on stdout, `{"type":"error","code":"<ErrorCode>","exit":N,"message":"…"}`,
 * the last line printed (the `exit` field tells it from `check`'s issue lines).
 */
import { formatEvent } from '@coffer/shared/events.js';
import { CofferError, ErrorCode, exitCodeFor } from '@coffer/shared/errors.js';
import { parseArgs, splitLeadingFlags, str, flag } from './args.js';
import type { Context } from './context.js';
import { Interrupts, stopDeadlineMs } from './interrupt.js';
import { boundHeap } from '../engine/gc-hint.js';
import type { Verb } from './verb.js';
import { verbs } from './verbs/index.js';
import '../storage/sftp-register.js';
import '../connectors/sftp-register.js';

const GLOBAL_FLAGS = { 'passphrase-file': 'string', keyfile: 'string', quiet: 'bool', 'no-lock': 'bool', help: 'bool', h: 'bool' } as const;

function usage(): string {
  const lines = ['usage: coffer [--passphrase-file F] [--quiet] [--no-lock] [at <store>] <command> [args]', '', 'commands:'];
  for (const v of verbs.values()) lines.push(`  ${v.usage}`);
  lines.push('', 'exit codes: 0 ok, 1 error, 2 usage, 3 some files unreadable, 10 no store, 11 locked, 12 wrong passphrase, 14 untrusted store, 130 interrupted');
  return lines.join('\n');
}

/** Whether the arguments ask for JSON output (`--json` anywhere before a `--`). */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => /^--?json(=true)?$/.test(a));
}

/** Runs the CLI; returns the exit status. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // Garbage of tree nodes and listings would otherwise grow the heap to a few times what is live (1,000,000-file backups).
  boundHeap();
  let reported = false;
  const report = (e: CofferError, err: unknown = e): void => {
    if (reported) return;
    reported = true;
    const msg = e.code === ErrorCode.Internal && env.COFFER_DEBUG ? (err as Error).stack ?? e.message : e.message;
    process.stderr.write(`coffer: ${msg.split('\n').join(env.COFFER_DEBUG ? '\n' : ' ')}\n`);
    if (wantsJson(argv)) {
      process.stdout.write(formatEvent({ type: 'error', code: e.code, exit: exitCodeFor(e.code), message: e.message.split('\n').join(' ') }) + '\n');
    }
  };
  const interrupts = new Interrupts(stopDeadlineMs(env), (e) => report(e));
  interrupts.install();
  // A reader that goes away (`coffer … | head`) ends the output, not with a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    process.stderr.write(`coffer: cannot write output: ${err.message}\n`);
    process.exit(1);
  });
  try {
    const { leading: globals, rest } = splitLeadingFlags(argv, GLOBAL_FLAGS);
    const g = parseArgs(globals, GLOBAL_FLAGS, 'coffer');
    if (flag(g, 'help') || flag(g, 'h') || rest.length === 0 || rest[0] === 'help') {
      process.stdout.write(usage() + '\n');
      return rest.length === 0 && !flag(g, 'help') && !flag(g, 'h') ? 2 : 0;
    }
    let storeRef = env.COFFER_STORE && env.COFFER_STORE !== '' ? env.COFFER_STORE : undefined;
    let words = rest;
    if (words[0] === 'at') {
      if (words.length < 3) throw new CofferError(ErrorCode.Usage, 'usage: coffer at <store> <command> [args]');
      storeRef = words[1];
      words = words.slice(2);
    }
    const name = words[0] as string;
    const verb: Verb | undefined = verbs.get(name);
    if (!verb) throw new CofferError(ErrorCode.Usage, `unknown command '${name}'; run 'coffer help' for the list`);
    interrupts.graceful = verb.graceful === true;
    const signal = interrupts.signal;
    // After a signal the run's partial report would mislead: only the one interrupted line is printed.
    const print = (write: (l: string) => void) => (l: string): void => {
      if (!signal.aborted || interrupts.graceful) write(l);
    };
    let ctx: Context = {
      storeRef,
      passphraseFile: str(g, 'passphrase-file') ?? str(g, 'keyfile') ?? env.COFFER_PASSPHRASE_FILE,
      env,
      quiet: flag(g, 'quiet'),
      noLock: flag(g, 'no-lock'),
      signal,
      out: print((l) => void process.stdout.write(l + '\n')),
      warn: print((l) => void process.stderr.write(l + '\n')),
    };
    // `--passphrase-file` and `--no-lock` are also accepted after the verb.
    const verbArgs = words.slice(1);
    const nl = verbArgs.indexOf('--no-lock');
    if (nl >= 0 && !verbArgs.slice(0, nl).includes('--')) {
      verbArgs.splice(nl, 1);
      ctx = { ...ctx, noLock: true };
    }
    const pf = verbArgs.findIndex((a) => /^--?passphrase-file(=|$)/.test(a));
    if (pf >= 0) {
      const a = verbArgs[pf] as string;
      const eq = a.indexOf('=');
      const value = eq >= 0 ? a.slice(eq + 1) : verbArgs[pf + 1];
      if (value === undefined) throw new CofferError(ErrorCode.Usage, 'flag --passphrase-file needs a value');
      verbArgs.splice(pf, eq >= 0 ? 1 : 2);
      ctx = { ...ctx, passphraseFile: value };
    }
    const code = await verb.run(ctx, verbArgs);
    // Interrupted, whatever the verb made of it (a check cut short is no verdict).
    if (signal.aborted && !interrupts.graceful) throw interrupts.error();
    return code;
  } catch (err) {
    const e = interrupts.signal.aborted && !interrupts.graceful ? interrupts.error() : CofferError.from(err);
    report(e, err);
    return exitCodeFor(e.code);
  } finally {
    interrupts.uninstall();
  }
}
