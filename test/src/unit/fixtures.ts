/** Paths of committed test fixtures (test/fixtures). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root, from test/dist/unit/…. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Absolute path of a fixture file. */
export function fixture(...parts: string[]): string {
  return path.join(ROOT, 'test', 'fixtures', ...parts);
}
