/** HOST:PORT addresses (IPv6 hosts in brackets), as flags and environment variables give them. */
import { CofferError, ErrorCode } from './errors.js';

/** Splits `s` into host and port; a usage error naming `what` (e.g. '--listen') when it is not HOST:PORT. */
export function splitHostPort(s: string, what: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(s);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new CofferError(ErrorCode.Usage, `${what} '${s}' is not HOST:PORT (e.g. 127.0.0.1:7443)`);
  return { host: m[1] ?? m[2] ?? '', port };
}
