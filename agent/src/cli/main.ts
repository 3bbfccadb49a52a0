/**
 * The `coffer` command line: `coffer [global flags] [at <store>] <command> [args]`.
 * Parses global flags, finds the verb, runs it, and turns any error into one line on
 * stderr and the documented exit status (see README). With `--json`, a failure is also
 * one line on stdout, `{"type":"error","code":"<ErrorCode>","exit":N,"message":"…"}`,
 * the last line printed (the `exit` field tells it from `check`'s issue lines).
 */
import { formatEvent } from '@coffer/shared/events.js';
import { CofferError, ErrorCode, exitCodeFor } from '@coffer/shared/errors.js';
import { takeGlobals } from './global-flags.js';
import { findVerb, usage, verbHelp } from './help.js';
import type { Context } from './context.js';
import { Interrupts, stopDeadlineMs } from './interrupt.js';
import { boundHeap } from '../engine/gc-hint.js';
import type { Verb } from './verb.js';
import { verbs } from './verbs/index.js';
import '../storage/sftp-register.js';
import '../connectors/sftp-register.js';

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
    const { globals: g, words: rest } = takeGlobals(argv);
    if (rest.length === 0 || (rest[0] === 'help' && rest.length === 1)) {
      process.stdout.write(usage(verbs) + '\n');
      return rest.length === 0 && !g.help ? 2 : 0;
    }
    let storeRef = g.store ?? (env.COFFER_STORE && env.COFFER_STORE !== '' ? env.COFFER_STORE : undefined);
    let words = rest;
    if (words[0] === 'at') {
      if (g.store !== undefined) throw new CofferError(ErrorCode.Usage, "give the store once: 'at <store>' or --store <store>, not both");
      if (words.length < 3) {
        if (g.help) {
          process.stdout.write(usage(verbs) + '\n');
          return 0;
        }
        throw new CofferError(ErrorCode.Usage, 'usage: coffer at <store> <command> [args]');
      }
      storeRef = words[1];
      words = words.slice(2);
    }
    if (words[0] === 'help') {
      process.stdout.write((words[1] === undefined ? usage(verbs) : verbHelp(findVerb(verbs, words[1]))) + '\n');
      return 0;
    }
    const verb: Verb = findVerb(verbs, words[0] as string);
    if (g.help) {
      process.stdout.write(verbHelp(verb) + '\n');
      return 0;
    }
    interrupts.graceful = verb.graceful === true;
    const signal = interrupts.signal;
    // After a signal the run's partial report would mislead: only the one interrupted line is printed.
    const print = (write: (l: string) => void) => (l: string): void => {
      if (!signal.aborted || interrupts.graceful) write(l);
    };
    const ctx: Context = {
      storeRef,
      passphraseFile: g.passphraseFile ?? env.COFFER_PASSPHRASE_FILE,
      env,
      quiet: g.quiet,
      noLock: g.noLock,
      signal,
      out: print((l) => void process.stdout.write(l + '\n')),
      warn: print((l) => void process.stderr.write(l + '\n')),
    };
    const verbArgs = words.slice(1);
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
