/** Renders the scale case's report: per step the best of each tool, the verdicts, and every rep's figures. */
import type { LoadSnapshot } from '../loadavg.js';
import type { MachineInfo } from '../machine.js';
import { loadLines, num, table } from '../report.js';
import { repsText } from '../summary.js';
import { limitText, tallyText, verdictText } from '../verdict.js';
import type { ScaleShape } from './scale-layout.js';
import { SCALE_LABELS, SCALE_RSS_LIMIT_MIB, SCALE_WALL_TARGET, type ScaleSummary } from './scale-summary.js';

const mib = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(0)} MiB` : '-');

function stepTable(s: ScaleSummary): string {
  const header = ['step (best of reps)', ...s.tools.map((t) => `${t} s`), ...s.tools.map((t) => `${t} RSS MiB`)];
  const both = s.tools.length === 2;
  if (both) header.push(`wall c/r (target <=${SCALE_WALL_TARGET})`);
  if (s.tools.includes('coffer')) header.push(`coffer RSS (target ${limitText({ limit: SCALE_RSS_LIMIT_MIB, strict: true }, mib)})`);
  const rows = s.rows.map((r) => {
    const cells = [SCALE_LABELS[r.step], ...s.tools.map((t) => num(r.tools[t]?.wallS, 2)), ...s.tools.map((t) => num(r.tools[t]?.rssMiB, 0))];
    if (both) cells.push(r.wall === undefined ? '-' : r.wall.verdict === undefined ? num(r.wall.ratio, 2) : verdictText(r.wall.verdict));
    if (s.tools.includes('coffer')) cells.push(r.rss === undefined ? '-' : verdictText(r.rss, mib));
    return cells;
  });
  return table(header, rows);
}

function repsTable(s: ScaleSummary): string {
  const header = ['every rep, in run order', ...s.tools.map((t) => `${t} wall s`), ...s.tools.map((t) => `${t} RSS MiB`)];
  const rows = s.rows.map((r) => [
    SCALE_LABELS[r.step],
    ...s.tools.map((t) => repsText(r.tools[t]?.allWallS ?? [], 2)),
    ...s.tools.map((t) => repsText(r.tools[t]?.allRssMiB ?? [], 0)),
  ]);
  return table(header, rows);
}

/** The scale report as text. */
export function renderScaleReport(
  s: ScaleSummary,
  shape: ScaleShape,
  m: MachineInfo,
  load: { before: LoadSnapshot; after: LoadSnapshot },
  verified: string,
): string {
  const versions = Object.entries(m.versions).map(([k, v]) => `${k}: ${v}`);
  return [
    '',
    `Coffer vs restic, scale case, ${m.date}`,
    `machine: ${m.cpu}, ${m.cores} logical cores, ${m.ramGiB.toFixed(1)} GiB RAM, ${m.os}, bench/work on ${m.fsType}`,
    ...loadLines(load.before, load.after, s.withheld),
    `node ${m.node}; ${versions.join('; ')}`,
    `tree: ${shape.files.toLocaleString('en-US')} files of a few bytes in ${shape.dirs.toLocaleString('en-US')} folders, local stores; reps ${s.reps}, alternating (best of each shown)`,
    `restores verified: ${verified}`,
    '',
    stepTable(s),
    '',
    repsTable(s),
    '',
    s.tools.length === 2 ? `scale: ${tallyText(s.tally, s.withheld)} (ratios are coffer/restic; lower is better)` : 'ratios need both tools (--tools coffer,restic)',
    '',
  ].join('\n');
}
