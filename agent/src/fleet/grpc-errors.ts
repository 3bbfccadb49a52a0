/** gRPC failures seen by the agent, as one-line CofferErrors; controller addresses. */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { controllerCallError } from '@coffer/shared/grpc-errors.js';

/** Maps a failed call to the controller (shared with coffer ctl). */
export const grpcFailure = controllerCallError;

/** HOST:PORT (IPv6 in brackets) → parts. */
export function splitAddress(s: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(s);
  if (!m || Number(m[3]) > 65535) throw new CofferError(ErrorCode.Usage, `--controller '${s}' is not HOST:PORT`);
  return { host: m[1] ?? m[2] ?? '', port: Number(m[3]) };
}
