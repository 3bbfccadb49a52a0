/**
 * The harness's one error type. Anything that should stop the benchmark throws a
 * {@link BenchError}; main.ts prints its message as one line and exits with its code.
 */

/** Exit status for a restore that did not match its source byte for byte. */
export const EXIT_MISMATCH = 3;

/** A failure the user should see as one clear line. */
export class BenchError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'BenchError';
  }
}

/** The message of any thrown value, on one line. */
export function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s+/g, ' ').trim();
}
