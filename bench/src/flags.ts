/** Command-line parsing shared by the benchmarks: strict flags, no positionals, usage errors (exit 2) that point to --help. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BenchError, messageOf } from './errors.js';

/** Exit status for bad usage. */
export const EXIT_USAGE = 2;

/** A usage error: `message` and a pointer to --help. */
export function usage(message: string): BenchError {
  return new BenchError(`${message} (try --help)`, EXIT_USAGE);
}

type Options = NonNullable<ParseArgsConfig['options']>;
type Config<O extends Options> = { args: string[]; options: O; strict: true; allowPositionals: false };

/** The values of `options` in `argv` (without node and script); a usage {@link BenchError} for unknown flags, missing values or positionals. */
export function parseFlags<const O extends Options>(argv: string[], options: O): ReturnType<typeof parseArgs<Config<O>>>['values'] {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw usage(messageOf(err));
  }
}

/** The whole number `text` of `flag`, from `min` to `max`; a usage {@link BenchError} otherwise. */
export function intFlag(text: string, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw usage(`${flag} must be a whole number from ${min} to ${max}, got "${text}"`);
  return n;
}
