/**
 * One error class for the whole project. Every failure the user can see is a
 * {@link CofferError} with a {@link ErrorCode}; the CLI maps the code to a documented
 * exit status and prints the message as one line. Messages name the thing that is
 * wrong and, where there is one, the fix.
 */

/** Machine-readable error conditions. */
export enum ErrorCode {
  /** Anything not classified below. Exit 1. */
  Internal = 'internal',
  /** Bad command-line usage: unknown flag, missing argument, malformed id. Exit 2. */
  Usage = 'usage',
  /** The operation finished, but some files could not be read (backup) or restored (restore from a damaged store). Exit 3. */
  Partial = 'partial',
  /** No store at the given location. Exit 10. */
  StoreNotFound = 'store-not-found',
  /** A store already exists where one was to be created. Exit 1. */
  StoreExists = 'store-exists',
  /** The store is locked by another process. Exit 11. */
  Locked = 'locked',
  /** The passphrase does not open the store. Exit 12. */
  WrongPassphrase = 'wrong-passphrase',
  /** A file or blob does not exist. Exit 1. */
  NotFound = 'not-found',
  /** Data failed an integrity check. Exit 1. */
  Corrupt = 'corrupt',
  /** A transient condition; retrying may succeed. Exit 1. */
  Retryable = 'retryable',
  /** Permission denied on a path. Exit 1. */
  Permission = 'permission',
  /** No space left or quota exceeded. Exit 1. */
  NoSpace = 'no-space',
  /** Bad configuration value. Exit 2. */
  Config = 'config',
  /** The user interrupted the operation. Exit 130. */
  Interrupted = 'interrupted',
  /** A check found damage. Exit 1. */
  CheckFailed = 'check-failed',
  /**
   * The store is not the one it should be: its config was changed without its keys, it
   * claims no encryption while a passphrase was given, or its identity changed since
   * this machine last used it. Exit 14.
   */
  Untrusted = 'untrusted',
}

const EXIT_CODES: Record<ErrorCode, number> = {
  [ErrorCode.Internal]: 1,
  [ErrorCode.Usage]: 2,
  [ErrorCode.Partial]: 3,
  [ErrorCode.StoreNotFound]: 10,
  [ErrorCode.StoreExists]: 1,
  [ErrorCode.Locked]: 11,
  [ErrorCode.WrongPassphrase]: 12,
  [ErrorCode.NotFound]: 1,
  [ErrorCode.Corrupt]: 1,
  [ErrorCode.Retryable]: 1,
  [ErrorCode.Permission]: 1,
  [ErrorCode.NoSpace]: 1,
  [ErrorCode.Config]: 2,
  [ErrorCode.Interrupted]: 130,
  [ErrorCode.CheckFailed]: 1,
  [ErrorCode.Untrusted]: 14,
};

/** The process exit status documented for an error code. */
export function exitCodeFor(code: ErrorCode): number {
  return EXIT_CODES[code];
}

/** The error every Coffer module throws for conditions a user can act on. */
export class CofferError extends Error {
  override readonly name = 'CofferError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Normalises anything caught into a CofferError, keeping the original as `cause`. */
  static from(err: unknown): CofferError {
    if (err instanceof CofferError) return err;
    const e = err as NodeJS.ErrnoException | undefined;
    const msg = e instanceof Error ? e.message : String(err);
    switch (e?.code) {
      case 'ENOENT':
        return new CofferError(ErrorCode.NotFound, msg, { cause: err });
      case 'EACCES':
      case 'EPERM':
        return new CofferError(ErrorCode.Permission, msg, { cause: err });
      case 'ENOSPC':
      case 'EDQUOT':
        return new CofferError(ErrorCode.NoSpace, msg, { cause: err });
      default:
        return new CofferError(ErrorCode.Internal, msg, { cause: err });
    }
  }
}

/** True when `err` is a CofferError with the given code. */
export function isCode(err: unknown, code: ErrorCode): boolean {
  return err instanceof CofferError && err.code === code;
}
