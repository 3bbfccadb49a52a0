/**
 * How read verbs report damage they skip: one warning line per damaged directory
 * listing or file, and exit status 3 (finished, but some entries could not be read)
 * when there was any.
 */
import type { CofferError } from '@coffer/shared/errors.js';
import type { Context } from './context.js';

/** Collects skipped damage of one command. */
export class DamageReport {
  count = 0;

  constructor(private readonly ctx: Context) {}

  /** A directory whose listing cannot be read (`path` '' is the root). */
  readonly onDamage = (path: string, err: CofferError): void => this.dir('', path, err);

  /** Like onDamage, for a directory of snapshot `snap`. */
  dir(snap: string, path: string, err: CofferError): void {
    this.count++;
    this.ctx.warn(`warning: ${snap ? `snapshot ${snap.slice(0, 8)}: ` : ''}/${path}${path === '' ? '' : '/'} cannot be listed: ${err.message}`);
  }

  /** A file whose content cannot be read. */
  file(path: string, err: CofferError): void {
    this.count++;
    this.ctx.warn(`warning: /${path} cannot be read: ${err.message}`);
  }

  /** The exit status: 0, or 3 when something was skipped. */
  status(): number {
    return this.count > 0 ? 3 : 0;
  }
}
