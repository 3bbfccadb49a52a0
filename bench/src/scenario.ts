/**
 * One benchmark run of one tool in one scenario (backend): fresh copy of the dataset,
 * fresh store, then the timed steps create → initial backup → no-change backup →
 * (modify) → backup after change → restore → check, with the restore (always into a
 * local folder) verified byte for byte against the modified source, metadata included
 * (mode, mtime to the precision the tool's restore and source keep, symlink targets,
 * owners when run as root), whether the store or the source was reached over SFTP; any
 * difference fails the run. Dirty pages are flushed (untimed) before every
 * step; file data stays in the page cache.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend, BackendName } from './backends.js';
import type { Dataset } from './dataset.js';
import { BenchError, EXIT_MISMATCH } from './errors.js';
import { copyTree, removeTree, syncDisks, treeBytes } from './fsutil.js';
import { locationUrl } from './location.js';
import { buildManifest, compareManifests, identical, restoredRoot, type CompareOptions, type Manifest, type ManifestDiff } from './manifest.js';
import { runTimed, type Invocation, type Sample } from './measure.js';
import { applyModification, type ModifyResult } from './modify.js';
import type { StepName } from './steps.js';
import type { Tool, ToolName } from './tools.js';

/** A step's measurements plus the source bytes it covered (for MB/s). */
export interface StepResult extends Sample {
  readonly bytes: number;
}

/** Everything measured in one run of one tool. */
export interface ToolRun {
  readonly tool: ToolName;
  readonly backend: BackendName;
  readonly rep: number;
  readonly steps: Record<StepName, StepResult>;
  readonly storeInitialBytes: number;
  readonly storeFinalBytes: number;
  readonly storeFinalFiles: number;
  readonly modifiedBytes: number;
  readonly modify: ModifyResult;
  /** Entries the restore was verified on (content and metadata). */
  readonly verifiedEntries: number;
  /** The mtime precision the verification held the restore to (ns). */
  readonly mtimePrecisionNs: string;
}

const SHOW_PER_KIND = 15;

function fileBytes(m: Manifest): number {
  let total = 0;
  for (const e of m.values()) if (e.kind === 'file') total += e.size;
  return total;
}

function reportMismatch(tool: string, diff: ManifestDiff): void {
  const lines = [
    '',
    '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
    `!!! RESTORE MISMATCH (${tool}): the restored tree differs from the source`,
    `!!! missing ${diff.missing.length}, extra ${diff.extra.length}, different ${diff.different.length}, metadata ${diff.metadata.length}`,
  ];
  const kinds: [string, string[]][] = [
    ['missing', diff.missing],
    ['extra', diff.extra],
    ['different', diff.different],
    ['metadata', diff.metadata],
  ];
  for (const [kind, list] of kinds) {
    for (const item of list.slice(0, SHOW_PER_KIND)) lines.push(`!!!   ${kind}: ${item}`);
  }
  lines.push('!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!', '');
  process.stderr.write(lines.join('\n') + '\n');
}

/** Runs every step for `tool` in `backend` on a fresh copy of `ds`. */
export async function runScenario(tool: Tool, backend: Backend, ds: Dataset, work: string, rep: number, log: (msg: string) => void): Promise<ToolRun> {
  const name = tool.name;
  // Folder names of the local scenario are those of the original benchmark.
  const id = backend.name === 'local' ? name : `${name}-${backend.name}`;
  const src = join(work, `src-${id}`);
  const store = join(work, `${id}-store`);
  const target = join(work, `restore-${id}`);
  const logs = join(work, 'logs');
  const storeAt = backend.store(name, store);
  const srcAt = backend.source(name, src);
  const tag = `[${name} ${backend.name} rep ${rep}]`;
  for (const dir of [src, store, target, ...tool.stateDirs]) removeTree(dir);
  mkdirSync(logs, { recursive: true });
  log(`${tag} copying dataset to ${src}; store ${locationUrl(storeAt)}, source ${locationUrl(srcAt)}`);
  copyTree(ds.dir, src);

  const step = async (s: StepName, inv: Invocation, bytes: number): Promise<StepResult> => {
    syncDisks();
    const sample = await runTimed(`${name} ${backend.name} ${s}`, inv, join(logs, `${id}-r${rep}-${s}.log`));
    log(`${tag} ${s.padEnd(8)} ${sample.wallS.toFixed(2).padStart(8)} s  ${sample.maxRssMiB.toFixed(0).padStart(6)} MiB RSS`);
    return { ...sample, bytes };
  };

  const create = await step('create', tool.create(storeAt), 0);
  const initial = await step('initial', tool.backup(storeAt, srcAt), ds.bytes);
  const storeInitialBytes = treeBytes(store).bytes;
  const nochange = await step('nochange', tool.backup(storeAt, srcAt), ds.bytes);

  const modify = applyModification(ds.profile, src);
  const expected = buildManifest(src);
  const modifiedBytes = fileBytes(expected);
  log(`${tag} modified ${modify.filesChanged} files, added ${modify.filesAdded} (${(modify.bytesWritten / 1e6).toFixed(1)} MB written)`);

  const change = await step('change', tool.backup(storeAt, srcAt), modifiedBytes);
  const storeFinal = treeBytes(store);

  mkdirSync(target);
  const restore = await step('restore', tool.restore(storeAt, target), modifiedBytes);
  const sourceNs = backend.sourceMtimeNs[name] ?? 1n;
  const compare: CompareOptions = {
    mtimePrecisionNs: sourceNs > tool.mtimePrecisionNs ? sourceNs : tool.mtimePrecisionNs,
    owners: process.getuid?.() === 0,
  };
  const diff = compareManifests(expected, buildManifest(restoredRoot(target)), compare);
  if (!identical(diff)) {
    reportMismatch(`${name} ${backend.name}`, diff);
    throw new BenchError(`${name} ${backend.name} restore is not identical to its source (see above; restored tree kept at ${target})`, EXIT_MISMATCH);
  }
  log(`${tag} restore verified: ${expected.size} entries identical (SHA-256; mode, mtime to ${compare.mtimePrecisionNs} ns, symlink targets${compare.owners ? ', owners' : ''})`);
  removeTree(target);

  const check = await step('check', tool.check(storeAt), modifiedBytes);
  removeTree(src);

  return {
    tool: name,
    backend: backend.name,
    rep,
    steps: { create, initial, nochange, change, restore, check },
    storeInitialBytes,
    storeFinalBytes: storeFinal.bytes,
    storeFinalFiles: storeFinal.files,
    modifiedBytes,
    modify,
    verifiedEntries: expected.size,
    mtimePrecisionNs: String(compare.mtimePrecisionNs),
  };
}
