/**
 * Warnings about what an SFTP server cannot do (no fsync@openssh.com, no symlinks, fixed
 * modes, refused out-of-order writes): one line on stderr, `warning: ...`, each said once
 * per process however many connections or files meet it. Never an error: the operation
 * goes on, and the line says what the server does not keep.
 */

const said = new Set<string>();

/** Where warning lines go (tests may swap it). */
export const warningSink = { write: (line: string): void => void process.stderr.write(`${line}\n`) };

/** Says `text` once for `key` (e.g. `fsync ${where}`). */
export function warnOnce(key: string, text: string): void {
  if (said.has(key)) return;
  said.add(key);
  warningSink.write(`warning: ${text}`);
}

/** The fsync warning for the server at `where`. */
export function warnNoFsync(where: string): void {
  warnOnce(
    `fsync ${where}`,
    `${where}: the SFTP server lacks fsync@openssh.com, so files are not flushed to its disk before they are renamed into place; a crash of the server may lose the last writes`,
  );
}
