/** The shape of a CLI verb: one file per verb under verbs/. */
import type { FlagSpec } from './args.js';
import type { Context } from './context.js';

/** A command. `run` returns the exit status (0 ok, 3 partial); errors are thrown. */
export interface Verb {
  readonly name: string;
  /** One-line synopsis for help. */
  readonly usage: string;
  /** The flags it accepts (its subcommands' together), for `coffer help VERB` and the parsing of its arguments. */
  readonly flags: FlagSpec;
  /** Whether it works on a store (`coffer at <store> …`). */
  readonly needsStore: boolean;
  /**
   * Stops by itself on SIGINT/SIGTERM (ctx.signal) and returns its own status: no
   * connection cut, no hard stop, no exit 130 (cli/interrupt.ts).
   */
  readonly graceful?: boolean;
  run(ctx: Context, argv: readonly string[]): Promise<number>;
}
