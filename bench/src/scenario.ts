/**
 * One benchmark run of one tool: fresh copy of the dataset, fresh store, then the timed
 * steps create → initial backup → no-change backup → (modify) → backup after change →
 * restore → check, with the restore verified byte for byte against the modified source.
 * Dirty pages are flushed (untimed) before every step; file data stays in the page cache.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from './dataset.js';
import { BenchError, EXIT_MISMATCH } from './errors.js';
import { copyTree, removeTree, syncDisks, treeBytes } from './fsutil.js';
import { buildManifest, compareManifests, identical, restoredRoot, type Manifest, type ManifestDiff } from './manifest.js';
import { runTimed, type Invocation, type Sample } from './measure.js';
import { applyModification, type ModifyResult } from './modify.js';
import type { Tool, ToolName } from './tools.js';

/** The timed steps, in order. */
export const STEPS = ['create', 'initial', 'nochange', 'change', 'restore', 'check'] as const;
export type StepName = (typeof STEPS)[number];

/** A step's measurements plus the source bytes it covered (for MB/s). */
export interface StepResult extends Sample {
  readonly bytes: number;
}

/** Everything measured in one run of one tool. */
export interface ToolRun {
  readonly tool: ToolName;
  readonly rep: number;
  readonly steps: Record<StepName, StepResult>;
  readonly storeInitialBytes: number;
  readonly storeFinalBytes: number;
  readonly storeFinalFiles: number;
  readonly modifiedBytes: number;
  readonly modify: ModifyResult;
  readonly restoreMtimeDiffers: number;
}

const SHOW_PER_KIND = 15;

function fileBytes(m: Manifest): number {
  let total = 0;
  for (const e of m.values()) if (e.kind === 'file') total += e.size;
  return total;
}

function reportMismatch(tool: ToolName, diff: ManifestDiff): void {
  const lines = [
    '',
    '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
    `!!! RESTORE MISMATCH (${tool}): the restored tree differs from the source`,
    `!!! missing ${diff.missing.length}, extra ${diff.extra.length}, different ${diff.different.length}`,
  ];
  const kinds: [string, string[]][] = [
    ['missing', diff.missing],
    ['extra', diff.extra],
    ['different', diff.different],
  ];
  for (const [kind, list] of kinds) {
    for (const item of list.slice(0, SHOW_PER_KIND)) lines.push(`!!!   ${kind}: ${item}`);
  }
  lines.push('!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!', '');
  process.stderr.write(lines.join('\n') + '\n');
}

/** Runs every step for `tool` on a fresh copy of `ds`. */
export function runScenario(tool: Tool, ds: Dataset, work: string, rep: number, log: (msg: string) => void): ToolRun {
  const name = tool.name;
  const src = join(work, `src-${name}`);
  const store = join(work, `${name}-store`);
  const target = join(work, `restore-${name}`);
  const logs = join(work, 'logs');
  for (const dir of [src, store, target, ...tool.stateDirs]) removeTree(dir);
  mkdirSync(logs, { recursive: true });
  log(`[${name} rep ${rep}] copying dataset to ${src}`);
  copyTree(ds.dir, src);

  const step = (s: StepName, inv: Invocation, bytes: number): StepResult => {
    syncDisks();
    const sample = runTimed(`${name} ${s}`, inv, join(logs, `${name}-r${rep}-${s}.log`));
    log(`[${name} rep ${rep}] ${s.padEnd(8)} ${sample.wallS.toFixed(2).padStart(8)} s  ${sample.maxRssMiB.toFixed(0).padStart(6)} MiB RSS`);
    return { ...sample, bytes };
  };

  const create = step('create', tool.create(store), 0);
  const initial = step('initial', tool.backup(store, src), ds.bytes);
  const storeInitialBytes = treeBytes(store).bytes;
  const nochange = step('nochange', tool.backup(store, src), ds.bytes);

  const modify = applyModification(ds.profile, src);
  const expected = buildManifest(src);
  const modifiedBytes = fileBytes(expected);
  log(`[${name} rep ${rep}] modified ${modify.filesChanged} files, added ${modify.filesAdded} (${(modify.bytesWritten / 1e6).toFixed(1)} MB written)`);

  const change = step('change', tool.backup(store, src), modifiedBytes);
  const storeFinal = treeBytes(store);

  mkdirSync(target);
  const restore = step('restore', tool.restore(store, target), modifiedBytes);
  const diff = compareManifests(expected, buildManifest(restoredRoot(target)));
  if (!identical(diff)) {
    reportMismatch(name, diff);
    throw new BenchError(`${name} restore is not identical to its source (see above; restored tree kept at ${target})`, EXIT_MISMATCH);
  }
  log(`[${name} rep ${rep}] restore verified: ${expected.size} entries identical (SHA-256)${diff.mtimeDiffers.length > 0 ? `, ${diff.mtimeDiffers.length} file mtimes differ` : ''}`);
  removeTree(target);

  const check = step('check', tool.check(store), modifiedBytes);
  removeTree(src);

  return {
    tool: name,
    rep,
    steps: { create, initial, nochange, change, restore, check },
    storeInitialBytes,
    storeFinalBytes: storeFinal.bytes,
    storeFinalFiles: storeFinal.files,
    modifiedBytes,
    modify,
    restoreMtimeDiffers: diff.mtimeDiffers.length,
  };
}
