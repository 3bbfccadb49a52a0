/**
 * Errors a service handler (rpc/service.ts) reports: a gRPC status code and a one-line
 * message naming the thing and the fix. `toRpcError` maps a CofferError from the engine
 * to its status, so every transport (gRPC, Connect, agent channel) reports the same code.
 * Messages of unexpected errors are not forwarded (they may carry internals).
 */
import { status } from '@grpc/grpc-js';
import { CofferError, ErrorCode } from '../errors.js';

export class RpcError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
  }
}

const BY_CODE: Partial<Record<ErrorCode, status>> = {
  [ErrorCode.Usage]: status.INVALID_ARGUMENT,
  [ErrorCode.Config]: status.INVALID_ARGUMENT,
  [ErrorCode.NotFound]: status.NOT_FOUND,
  [ErrorCode.StoreNotFound]: status.NOT_FOUND,
  [ErrorCode.Locked]: status.UNAVAILABLE,
  [ErrorCode.Retryable]: status.UNAVAILABLE,
  [ErrorCode.WrongPassphrase]: status.PERMISSION_DENIED,
  [ErrorCode.Permission]: status.PERMISSION_DENIED,
  [ErrorCode.Corrupt]: status.DATA_LOSS,
  [ErrorCode.CheckFailed]: status.DATA_LOSS,
  [ErrorCode.Partial]: status.DATA_LOSS,
  [ErrorCode.Untrusted]: status.FAILED_PRECONDITION,
  [ErrorCode.NoSpace]: status.RESOURCE_EXHAUSTED,
  [ErrorCode.Interrupted]: status.CANCELLED,
};

/** Maps anything a handler threw to an RpcError; unknown errors become a generic INTERNAL. */
export function toRpcError(err: unknown): RpcError {
  if (err instanceof RpcError) return err;
  if (err instanceof CofferError) return new RpcError(BY_CODE[err.code] ?? status.INTERNAL, err.message);
  if (typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'number' && typeof (err as { details?: unknown }).details === 'string') {
    return new RpcError((err as { code: status }).code, (err as { details: string }).details);
  }
  return new RpcError(status.INTERNAL, 'internal error (see the server log)');
}

export function notFoundRpc(what: string, name: string, fix: string): RpcError {
  return new RpcError(status.NOT_FOUND, `${what} '${name}' does not exist; ${fix}`);
}

export function invalidRpc(field: string, message: string): RpcError {
  return new RpcError(status.INVALID_ARGUMENT, `${field}: ${message}`);
}
