/**
 * `coffer ctl dashboard [--json]`: the console's dashboard in a terminal (GetDashboard):
 * each source with its last backup (overdue marked) and next run, agents online and
 * offline, store usage with the last check, unfinished jobs and failures of the last 24 h.
 */
import { expectArgs, flag, parseArgs } from '@coffer/shared/cli-args.js';
import { bytes } from '@coffer/shared/format.js';
import { Dashboard } from '@coffer/shared/gen/coffer/v1/controller.js';
import { table, when } from '../output.js';
import type { CtlCommand } from './context.js';

export const dashboardCmd: CtlCommand = async (c, argv) => {
  const p = parseArgs(argv, { json: 'bool' }, 'ctl dashboard');
  expectArgs(p, 0, 0, 'coffer ctl dashboard [--json]');
  const d = await c.ctl.call(c.ctl.raw.getDashboard, {});
  if (flag(p, 'json')) {
    c.out(JSON.stringify(Dashboard.toJSON(d)));
    return 0;
  }
  table(
    c.out,
    ['SOURCE', 'AGENT', 'LAST BACKUP', 'STATUS', 'NEXT RUN', 'SCHEDULES'],
    d.sources.map((s) => [s.source?.name ?? '?', s.source?.agent ?? '-', when(s.lastSuccessMs), s.overdue ? 'OVERDUE' : s.schedules.length ? 'ok' : 'unscheduled', when(s.nextRunMs), s.schedules.join(',') || '-']),
  );
  c.out('');
  table(
    c.out,
    ['STORE', 'SNAPSHOTS', 'LOGICAL', 'ADDED', 'LAST SNAPSHOT', 'LAST CHECK'],
    d.stores.map((s) => [s.store, String(s.snapshots), bytes(s.logicalBytes), bytes(s.addedBytes), when(s.lastSnapshotMs), s.lastVerifyMs ? `${s.lastVerifyOk ? 'ok' : 'FAILED'} ${when(s.lastVerifyMs)}` : '-']),
  );
  const online = d.agents.filter((a) => a.connected).length;
  c.out('');
  c.out(`agents: ${online} online, ${d.agents.length - online} offline${d.agents.some((a) => !a.connected) ? ` (${d.agents.filter((a) => !a.connected).map((a) => a.name).join(', ')})` : ''}`);
  c.out(`jobs: ${d.runningJobs.length} unfinished, ${d.failedJobs.length} failed in the last 24 h${d.failedJobs.length ? ` (${d.failedJobs.slice(0, 5).map((j) => j.id).join(', ')})` : ''}`);
  return 0;
};
