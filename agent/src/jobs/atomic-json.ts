/**
 * Small JSON files that must survive a crash: written to a temporary name in the same
 * folder, fsync'ed, renamed into place, and the folder fsync'ed, so a reader finds
 * either the old file, the new one, or none — never a torn one. Used by the outbox and
 * the running-jobs record under the agent's data folder.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';

/** Writes `value` as JSON to `file` atomically and durably (mode 0600; the folder is made 0700). */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const dir = path.dirname(file);
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await fsp.open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(JSON.stringify(value) + '\n', 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await fsp.rename(tmp, file);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  await syncDir(dir);
}

/** Removes `file` durably; a file already gone is not an error. */
export async function removeDurably(file: string): Promise<void> {
  await fsp.rm(file, { force: true });
  await syncDir(path.dirname(file)).catch(() => undefined);
}

async function syncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** The parsed content of `file`, or undefined when it does not exist. */
export async function readJsonFile(file: string): Promise<unknown> {
  try {
    return JSON.parse(await fsp.readFile(file, 'utf8')) as unknown;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * The parsed JSON files of a folder (names ending in .json, temporary files skipped),
 * oldest first by modification time. A missing folder is empty; unreadable or
 * malformed files are passed to `onBad` and skipped.
 */
export async function readJsonFiles(dir: string, onBad: (file: string, err: Error) => void = () => undefined): Promise<{ file: string; value: unknown }[]> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: { file: string; value: unknown; mtime: number }[] = [];
  for (const name of names) {
    if (!name.endsWith('.json') || name.startsWith('.')) continue;
    const file = path.join(dir, name);
    try {
      const [text, st] = await Promise.all([fsp.readFile(file, 'utf8'), fsp.stat(file)]);
      out.push({ file, value: JSON.parse(text) as unknown, mtime: st.mtimeMs });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') onBad(file, err as Error);
    }
  }
  return out.sort((a, b) => a.mtime - b.mtime || a.file.localeCompare(b.file)).map(({ file, value }) => ({ file, value }));
}

/**
 * A file name for an id: the id itself when it is a plain name (letters, digits, '.',
 * '_', '-', not starting with '.', at most 128 characters), else `h-` and its SHA-256.
 * The id itself is kept inside the file.
 */
export function fileNameFor(id: string): string {
  if (/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/.test(id)) return `${id}.json`;
  return `h-${createHash('sha256').update(id, 'utf8').digest('hex')}.json`;
}
