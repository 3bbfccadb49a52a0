/**
 * One mapping from SFTP status codes (and ssh2's connection errors) to CofferErrors,
 * used by the SFTP store, source and destination. SFTP v3 status codes: 2 NO_SUCH_FILE,
 * 3 PERMISSION_DENIED, 4 FAILURE (OpenSSH's sftp-server answers FAILURE for ENOSPC,
 * EDQUOT, EEXIST and every other errno it does not map), 8 OP_UNSUPPORTED. Anything
 * without a status code is a transport failure and is Retryable: the caller reconnects.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';

/** What the failed request was doing: FAILURE while writing most often means a full disk or a quota. */
export type SftpAccess = 'read' | 'write';

/** A FAILURE message that says nothing more (OpenSSH's, or ssh2's default text). */
const GENERIC_FAILURE = /^\s*(failure|general failure)?\s*$/i;
/** A server refusing out-of-order writes (rclone serve sftp without --vfs-cache-mode writes: ESPIPE). */
export const SEEK_REFUSED = /illegal seek|can'?t seek|seek.*not supported/i;

/** The SFTP status code of an ssh2 error, if it has one. */
export function sftpStatus(err: unknown): number | undefined {
  const c = (err as { code?: unknown } | undefined)?.code;
  return typeof c === 'number' ? c : undefined;
}

/** Maps an error of one SFTP request on `what` (a path or a description) to a CofferError. */
export function sftpError(err: unknown, what: string, access: SftpAccess): CofferError {
  if (err instanceof CofferError) return err;
  const message = err instanceof Error ? err.message : String(err);
  switch (sftpStatus(err)) {
    case 2:
      return new CofferError(ErrorCode.NotFound, `${what}: no such file or directory on the SFTP server`, { cause: err });
    case 3:
      return new CofferError(
        ErrorCode.Permission,
        `${what}: permission denied on the SFTP server; check that the SFTP user may ${access} there (owner and mode of the path)`,
        { cause: err },
      );
    case 4:
      if (access === 'read') return new CofferError(ErrorCode.Internal, `${what}: the SFTP server reported a failure (${message})`, { cause: err });
      if (SEEK_REFUSED.test(message)) {
        return new CofferError(
          ErrorCode.Config,
          `${what}: the SFTP server refused a write that is not at the end of the file (${message}); on rclone serve sftp add --vfs-cache-mode writes`,
          { cause: err },
        );
      }
      // OpenSSH's sftp-server says only "Failure" (for ENOSPC, EDQUOT and the rest); other servers say what went wrong.
      return GENERIC_FAILURE.test(message)
        ? new CofferError(ErrorCode.NoSpace, `${what}: the SFTP server refused the write (most often no space left or a quota exceeded); free space on the server and retry`, {
            cause: err,
          })
        : new CofferError(ErrorCode.Internal, `${what}: the SFTP server refused the write: ${message}`, { cause: err });
    case 8:
      return new CofferError(ErrorCode.Config, `${what}: the SFTP server does not support this operation (${message})`, { cause: err });
    case undefined:
      return new CofferError(ErrorCode.Retryable, `${what}: ${message}`, { cause: err });
    default:
      return new CofferError(ErrorCode.Internal, `${what}: ${message}`, { cause: err });
  }
}
