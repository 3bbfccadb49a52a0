/**
 * Errors the API returns: a gRPC status code and a one-line message naming the field
 * and the fix. Handlers throw ApiError, an RpcError (shared/src/rpc/errors.ts), so every
 * transport (gRPC, Connect) reports it with its code and message.
 */
import { status } from '@grpc/grpc-js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { RpcError } from '@coffer/shared/rpc/errors.js';

/** An error with its gRPC status. */
export class ApiError extends RpcError {}

/** INVALID_ARGUMENT naming `field`. */
export function invalid(field: string, message: string): ApiError {
  return new ApiError(status.INVALID_ARGUMENT, `${field}: ${message}`);
}

export function notFound(what: string, name: string, fix: string): ApiError {
  return new ApiError(status.NOT_FOUND, `${what} '${name}' does not exist; ${fix}`);
}

export function exists(what: string, name: string): ApiError {
  return new ApiError(status.ALREADY_EXISTS, `${what} '${name}' already exists; remove it first or choose another name`);
}

/** Maps anything a handler threw to {code, details}. */
export function toStatus(err: unknown): { code: status; details: string } {
  if (err instanceof RpcError) return { code: err.code, details: err.message };
  if (err instanceof CofferError) {
    const code = err.code === ErrorCode.Usage || err.code === ErrorCode.Config ? status.INVALID_ARGUMENT : err.code === ErrorCode.NotFound ? status.NOT_FOUND : status.INTERNAL;
    return { code, details: err.message };
  }
  return { code: status.INTERNAL, details: err instanceof Error ? err.message : String(err) };
}
