/** `coffer at <store> cat <snapshot>:<path>` — writes a file's content to stdout. */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { fileChunks } from '../../engine/file-reader.js';
import { findNode, isDamage, splitRef } from '../../engine/tree-walk.js';
import { expectArgs, parseArgs } from '../args.js';
import { withReaderSession } from '../reader-session.js';
import { FILTER_FLAGS, filterOf, resolveRef } from '../snapshot-filter.js';
import type { Verb } from '../verb.js';

/** Writes to stdout, waiting for drain (so large files do not pile up in memory). */
async function write(b: Buffer): Promise<void> {
  if (!process.stdout.write(b)) await new Promise<void>((r) => process.stdout.once('drain', r));
}

export const cat: Verb = {
  name: 'cat',
  usage: 'coffer at <store> cat [--host H] [--source S] [--tag T] <snapshot>:<path>',
  needsStore: true,
  flags: { ...FILTER_FLAGS },
  async run(ctx, argv) {
    const p = parseArgs(argv, this.flags, 'cat');
    expectArgs(p, 1, 1, this.usage);
    const ref = splitRef(p.args[0] as string);
    if (ref.path === '' && !(p.args[0] as string).includes(':')) {
      throw new CofferError(ErrorCode.Usage, `usage: ${this.usage} (give the file's path after the colon)`);
    }
    return withReaderSession(ctx, 'cat', async (store) => {
      const repo = store.repo;
      const snap = await resolveRef(repo, ref.snap, await filterOf(p, ctx.env, true));
      const node = await findNode(repo, snap, ref.path);
      try {
        for await (const chunk of fileChunks(repo, node, ref.path)) await write(chunk);
      } catch (err) {
        if (!isDamage(err)) throw err;
        throw new CofferError(err.code, `cannot read /${ref.path} of snapshot ${snap.id.slice(0, 8)}: ${err.message}; run 'coffer at ${repo.backend.location} check'`);
      }
      return 0;
    });
  },
};
