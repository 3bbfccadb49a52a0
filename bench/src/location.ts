/**
 * Where a store or a backup source is and how a tool reaches it: through the file
 * system, or through the loopback SFTP server. Either way the files are on this
 * machine at `path`, so the harness can measure and verify them directly.
 */
import type { SftpServer } from './sftp-server.js';

/** A folder on this machine, reached locally or over SFTP. */
export interface Location {
  /** Absolute path on this machine (and so on the server, which runs here too). */
  readonly path: string;
  /** The server the tool goes through; absent: the tool opens `path` itself. */
  readonly via?: SftpServer;
}

/** `path`, opened directly. */
export function local(path: string): Location {
  return { path };
}

/** `path`, reached through `server`. */
export function overSftp(path: string, server: SftpServer): Location {
  return { path, via: server };
}

/** The path, or its `sftp://user@host:port/path` URL (coffer's syntax, also used in logs). */
export function locationUrl(loc: Location): string {
  return loc.via === undefined ? loc.path : `sftp://${loc.via.user}@${loc.via.host}:${loc.via.port}${loc.path}`;
}
