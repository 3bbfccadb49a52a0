/** Registers the sftp:// source (importer) and destination (exporter). Imported once by the CLI entry point. */
import { connectionsOption } from '../ssh/session-pool.js';
import { displayUrl, parseSftpUrl, sshTarget } from '../ssh/target.js';
import { registerDestination, registerSource } from './registry.js';
import { SftpDestination } from './sftp-destination.js';
import { SftpSource } from './sftp-source.js';

registerSource('sftp', (url, options) => {
  const u = parseSftpUrl(url);
  return Promise.resolve(new SftpSource(sshTarget(u, options), u.path, displayUrl(u), connectionsOption(options.connections)));
});

registerDestination('sftp', (url, options) => {
  const u = parseSftpUrl(url);
  return Promise.resolve(new SftpDestination(sshTarget(u, options), u.path, displayUrl(u), connectionsOption(options.connections)));
});
