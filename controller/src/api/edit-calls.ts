/**
 * Editing the catalog in ControllerService: UpdateStore, UpdateSource, UpdateDestination
 * and UpdateSchedule replace the named entry's fields (the name stays; a store's empty
 * passphrase keeps the one held), validated as when adding; and PreviewSchedule, the next
 * runs of a schedule from the scheduler's pure next-run code, without saving anything.
 */
import { status } from '@grpc/grpc-js';
import { JobKind } from '@coffer/shared/gen/coffer/v1/common.js';
import type { AddDestinationRequest, Destination, Schedule } from '@coffer/shared/gen/coffer/v1/controller.js';
import { nominalAfter } from '../scheduler/next-run.js';
import { ApiError, invalid, notFound } from './api-error.js';
import type { ServiceDeps } from './controller-service.js';
import { sync, type ControllerApi } from './neutral.js';
import { checkLocation, checkOptions } from './validate.js';

type EditCalls = Pick<ControllerApi, 'updateStore' | 'updateSource' | 'updateDestination' | 'updateSchedule' | 'previewSchedule'>;

/** Runs shown by a preview at most. */
const MAX_PREVIEW = 100;

export function editCalls(d: ServiceDeps): EditCalls {
  const { catalog, clock } = d;

  /** Checks a schedule's names against the catalog (as AddSchedule does). */
  const checkRefs = (s: Schedule): void => {
    if (s.kind === JobKind.JOB_KIND_BACKUP && !catalog.sources.get(s.source)) throw notFound('source', s.source, "add it with 'coffer ctl source add'");
    if (!catalog.stores.get(s.store)) throw notFound('store', s.store, "add it with 'coffer ctl store add'");
  };

  const updatePlace = (what: 'source' | 'destination', req: AddDestinationRequest): Destination => {
    const table = what === 'source' ? catalog.sources : catalog.destinations;
    if (!table.get(req.name)) throw notFound(what, req.name, `check 'coffer ctl ${what} list'`);
    checkLocation('location', req.location, what);
    if (req.agent === '') throw invalid('agent', 'say which agent reaches it (--agent NAME)');
    if (!catalog.agents.byName(req.agent)) throw notFound('agent', req.agent, "enroll it first, or check 'coffer ctl agents'");
    table.update({ name: req.name, location: req.location, agent: req.agent, options: checkOptions('options', req.options) });
    d.log.info({ [what]: req.name }, `${what} changed`);
    const after = table.get(req.name);
    if (!after) throw new ApiError(status.NOT_FOUND, `${what} '${req.name}' was removed meanwhile`);
    return after;
  };

  return {
    updateStore: sync((req) => {
      const old = catalog.stores.get(req.name);
      if (!old) throw notFound('store', req.name, "check 'coffer ctl store list'");
      checkLocation('location', req.location, 'store');
      const options = checkOptions('options', req.options);
      if (req.passphraseOnAgent && req.passphrase !== '') throw invalid('passphrase', 'give either a passphrase or passphrase_on_agent, not both');
      if (!req.passphraseOnAgent && req.passphrase === '' && !old.hasPassphrase) {
        throw invalid('passphrase', `store '${req.name}' has its passphrase on the agents; give the passphrase for the controller to hold, or keep passphrase_on_agent`);
      }
      catalog.stores.update({ name: req.name, location: req.location, options, passphrase: req.passphrase, passphraseOnAgent: req.passphraseOnAgent });
      d.log.info({ store: req.name, newPassphrase: req.passphrase !== '' }, 'store changed');
      d.dispatcher.kick();
      const s = catalog.stores.get(req.name);
      if (!s) throw new ApiError(status.NOT_FOUND, `store '${req.name}' was removed meanwhile`);
      return s;
    }),
    updateSource: sync((req) => {
      const s = updatePlace('source', req);
      return { ...s, lastBackupMs: catalog.snapshots.lastBySource().get(s.name) ?? 0 };
    }),
    updateDestination: sync((req) => updatePlace('destination', req)),
    updateSchedule: sync((req) => {
      if (!req.schedule) throw invalid('schedule', 'missing');
      const old = catalog.schedules.get(req.schedule.name);
      if (!old) throw notFound('schedule', req.schedule.name, "check 'coffer ctl schedule list'");
      const s = d.schedules.validate(req.schedule);
      checkRefs(s);
      catalog.schedules.update({ ...s, nextRunMs: 0, lastRunMs: 0, lastJobId: '' });
      d.schedules.added(s.name);
      d.log.info({ schedule: s.name }, 'schedule changed');
      return catalog.schedules.get(s.name)?.schedule ?? s;
    }),
    previewSchedule: sync((req) => {
      if (!req.schedule) throw invalid('schedule', 'missing');
      const count = req.count === 0 ? 5 : Math.min(req.count, MAX_PREVIEW);
      // A preview may come before the name is typed: any valid name stands in.
      const s = d.schedules.validate({ ...req.schedule, name: req.schedule.name.trim() || 'preview' });
      const old = catalog.schedules.get(s.name);
      // An interval keeps its grid when the interval stays; a new one starts now (as the scheduler does).
      const anchorMs = s.cron === '' ? (old && old.schedule.cron === '' && old.schedule.everySeconds === s.everySeconds ? (old.anchorMs ?? clock.now()) : clock.now()) : undefined;
      const runsMs: number[] = [];
      let t = clock.now();
      for (let i = 0; i < count; i++) {
        const next = nominalAfter({ ...s, anchorMs }, t);
        if (next === undefined) break;
        runsMs.push(next);
        t = next;
      }
      return { runsMs };
    }),
  };
}
