/**
 * Registers the sftp:// store backend. Imported once by the CLI entry point. In a job's
 * process (COFFER_RETRY_WARNINGS=1, set by the agent's job runner) each retry of a store
 * operation is reported on stderr as one warning line, which becomes a log line of the
 * job and a line of its history on the controller; elsewhere retries stay silent, so an
 * error is still the one `coffer:` line. On the command line a server that refuses the
 * first connection is not retried at all (SessionPool.retriesFirstConnect).
 */
import { registerBackend } from './registry.js';
import { RetryingBackend } from './wrappers/retry.js';

const ATTEMPTS = 8;

// The SSH modules (ssh2: ~0.1 s to load) are loaded on the first sftp:// store, not with the CLI.
registerBackend('sftp', async (url, options) => {
  const [{ displayUrl, parseSftpUrl, sshTarget }, { connectionsOption, retriesFirstConnect }, { SftpBackend }] = await Promise.all([
    import('../ssh/target.js'),
    import('../ssh/session-pool.js'),
    import('./sftp-backend.js'),
  ]);
  const u = parseSftpUrl(url);
  const where = displayUrl(u);
  const backend = new SftpBackend(sshTarget(u, options), u.path, where, connectionsOption(options.connections));
  return Promise.resolve(
    new RetryingBackend(backend, {
      attempts: ATTEMPTS,
      shouldRetry: () => backend.everConnected || retriesFirstConnect(),
      onRetry: (what, attempt, err) => {
        if (process.env.COFFER_RETRY_WARNINGS !== '1') return;
        process.stderr.write(`warning: ${where}: ${what} failed: ${err.message.split('\n')[0] ?? ''}; retrying (attempt ${attempt + 1} of ${ATTEMPTS})\n`);
      },
    }),
  );
});
