/**
 * A failed gRPC call to the controller as a one-line CofferError, the same for `coffer
 * ctl` and the agent: the controller's own message for refusals and bad input, and
 * "cannot reach the controller at HOST:PORT (connection refused)" instead of grpc-js's
 * raw transport text.
 */
import { status, type ServiceError } from '@grpc/grpc-js';
import { CofferError, ErrorCode } from './errors.js';

/** Maps a failed call to the controller at `controller` (host:port). */
export function controllerCallError(err: unknown, controller: string): CofferError {
  const e = err as Partial<ServiceError>;
  const details = e.details ?? (err instanceof Error ? err.message : String(err));
  switch (e.code) {
    case status.INVALID_ARGUMENT:
    case status.ALREADY_EXISTS:
    case status.FAILED_PRECONDITION:
      return new CofferError(ErrorCode.Usage, details);
    case status.NOT_FOUND:
      return new CofferError(ErrorCode.NotFound, details);
    case status.UNAUTHENTICATED:
    case status.PERMISSION_DENIED:
      return new CofferError(ErrorCode.Permission, `the controller refused: ${details}`);
    case status.UNAVAILABLE:
    case status.DEADLINE_EXCEEDED: {
      const errno = /\b(ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|ECONNRESET)\b/.exec(details)?.[1];
      const why = errno === 'ECONNREFUSED' ? 'connection refused' : (errno ?? details.replace(/\s*Resolution note:\s*$/, ''));
      return new CofferError(ErrorCode.Retryable, `cannot reach the controller at ${controller} (${why}); check the address and that it runs`);
    }
    default:
      return new CofferError(ErrorCode.Internal, `controller error: ${details}`);
  }
}
