/** gRPC failures seen by the agent, as one-line CofferErrors; controller addresses. */
import { status, type ServiceError } from '@grpc/grpc-js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';

/** Maps a failed call to the controller. */
export function grpcFailure(err: Partial<ServiceError>, controller: string): CofferError {
  const details = err.details ?? err.message ?? 'unknown error';
  switch (err.code) {
    case status.INVALID_ARGUMENT:
      return new CofferError(ErrorCode.Usage, details);
    case status.PERMISSION_DENIED:
    case status.UNAUTHENTICATED:
      return new CofferError(ErrorCode.Permission, `the controller refused: ${details}`);
    case status.UNAVAILABLE:
    case status.DEADLINE_EXCEEDED:
      return new CofferError(ErrorCode.Retryable, `cannot reach the controller at ${controller} (${details})`);
    default:
      return new CofferError(ErrorCode.Internal, `controller error: ${details}`);
  }
}

/** HOST:PORT (IPv6 in brackets) → parts. */
export function splitAddress(s: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(s);
  if (!m || Number(m[3]) > 65535) throw new CofferError(ErrorCode.Usage, `--controller '${s}' is not HOST:PORT`);
  return { host: m[1] ?? m[2] ?? '', port: Number(m[3]) };
}
