/**
 * Registers the sftp:// source (importer) and destination (exporter). Imported once by the
 * CLI entry point; the SSH modules (ssh2: ~0.1 s to load) are loaded on the first
 * sftp:// source or destination, not with the CLI.
 */
import { registerDestination, registerSource } from './registry.js';

async function ssh(): Promise<[typeof import('../ssh/target.js'), typeof import('../ssh/session-pool.js')]> {
  return Promise.all([import('../ssh/target.js'), import('../ssh/session-pool.js')]);
}

registerSource('sftp', async (url, options) => {
  const [[{ displayUrl, parseSftpUrl, sshTarget }, { connectionsOption }], { SftpSource }] = await Promise.all([ssh(), import('./sftp-source.js')]);
  const u = parseSftpUrl(url);
  return new SftpSource(sshTarget(u, options), u.path, displayUrl(u), connectionsOption(options.connections));
});

registerDestination('sftp', async (url, options) => {
  const [[{ displayUrl, parseSftpUrl, sshTarget }, { connectionsOption }], { SftpDestination }] = await Promise.all([ssh(), import('./sftp-destination.js')]);
  const u = parseSftpUrl(url);
  return new SftpDestination(sshTarget(u, options), u.path, displayUrl(u), connectionsOption(options.connections));
});
