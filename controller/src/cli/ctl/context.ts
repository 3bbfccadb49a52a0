/** What every `coffer ctl` subcommand gets: the API client, output functions and the environment. */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import type { Ctl } from '../client.js';

export interface CtlContext {
  readonly ctl: Ctl;
  readonly env: NodeJS.ProcessEnv;
  /** A line on stdout. */
  out(line: string): void;
  /** A line on stderr. */
  err(line: string): void;
}

/** A subcommand: returns the exit status; throws CofferError on failure. */
export type CtlCommand = (c: CtlContext, argv: readonly string[]) => Promise<number>;

/** Parses k=v arguments into options; throws naming the bad one. */
export function kvOptions(args: readonly string[], onBad: (a: string) => Error): Record<string, string> {
  const o: Record<string, string> = {};
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw onBad(a);
    o[a.slice(0, eq)] = a.slice(eq + 1);
  }
  return o;
}

/** A usage error showing `usage`. */
export function usage(text: string): CofferError {
  return new CofferError(ErrorCode.Usage, `usage: ${text}`);
}
