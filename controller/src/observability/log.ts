/**
 * The controller's logger: pino, JSON lines on stdout. Nothing secret is ever passed
 * to it (passphrases and tokens are not fields of anything logged); `redact` is a
 * second line of defence for fields with those names.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

/** A logger at `level` (info unless COFFER_LOG_LEVEL says otherwise). */
export function createLogger(level = process.env.COFFER_LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { service: 'coffer-controller' },
    redact: { paths: ['passphrase', '*.passphrase', 'token', '*.token', 'authorization', 'password', '*.password', 'cookie', '*.cookie'], censor: '[secret]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
