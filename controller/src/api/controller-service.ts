/**
 * The public ControllerService (proto/coffer/v1/controller.proto) as transport-neutral
 * handlers (neutral.ts), served over gRPC (server/controller.ts) and to the console over
 * Connect (web/). The transport authenticates the caller (admin token, client
 * certificate, console session) and roles.ts checks the method's role before a handler
 * runs. Handlers validate their input and answer INVALID_ARGUMENT / NOT_FOUND /
 * ALREADY_EXISTS with a message naming the field, never a stack trace.
 */
import { randomBytes } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import type { Clock } from '@coffer/shared/clock.js';
import { JobKind } from '@coffer/shared/gen/coffer/v1/common.js';
import type { AddDestinationRequest, Destination, Schedule } from '@coffer/shared/gen/coffer/v1/controller.js';
import type { Catalog } from '../catalog/catalog.js';
import { DEFAULT_TOKEN_TTL_S } from '../defaults.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import type { Logger } from '../observability/log.js';
import { ApiError, exists, invalid, notFound } from './api-error.js';
import { agentViews } from './agent-views.js';
import { dashboardCall } from './dashboard.js';
import { editCalls } from './edit-calls.js';
import { jobCalls } from './job-calls.js';
import { sync, type ControllerApi } from './neutral.js';
import { userCalls } from './user-calls.js';
import { checkLocation, checkName, checkOptions } from './validate.js';

export { jobView } from './job-calls.js';

/** What the scheduler offers the API. */
export interface ScheduleHooks {
  /** Normalizes and validates a schedule (ApiError / CofferError Usage naming the field). */
  validate(s: Schedule): Schedule;
  added(name: string): void;
  removed(name: string): void;
}

/** Told when a console user's sessions must end (removed, password changed). */
export interface UserHooks {
  ended(name: string): void;
}

/** Everything the service needs. */
export interface ServiceDeps {
  readonly catalog: Catalog;
  readonly dispatcher: Dispatcher;
  readonly clock: Clock;
  readonly log: Logger;
  readonly schedules: ScheduleHooks;
  /** The CA certificate's fingerprint part of enrollment tokens. */
  readonly caPin: string;
  readonly users?: UserHooks;
}

/** Builds the service implementation. */
export function controllerService(d: ServiceDeps): ControllerApi {
  const { catalog, dispatcher, clock } = d;

  /** Refuses to remove something a schedule still names. */
  const inUse = (what: string, name: string, uses: (s: Schedule) => boolean): void => {
    const users = catalog.schedules.list().filter((r) => uses(r.schedule)).map((r) => r.schedule.name);
    if (users.length > 0) {
      throw new ApiError(status.FAILED_PRECONDITION, `${what} '${name}' is used by schedule ${users.map((u) => `'${u}'`).join(', ')}; remove ${users.length > 1 ? 'them' : 'it'} first (coffer ctl schedule rm)`);
    }
  };

  /** Adds a source or destination: a place one agent reaches. */
  const addPlace = (what: 'source' | 'destination', req: AddDestinationRequest, role: string): Destination => {
    checkName('name', req.name);
    checkLocation('location', req.location, what);
    if (req.agent === '') throw invalid('agent', `say which agent ${role} (--agent NAME)`);
    if (!catalog.agents.byName(req.agent)) throw notFound('agent', req.agent, "enroll it first, or check 'coffer ctl agents'");
    const table = what === 'source' ? catalog.sources : catalog.destinations;
    if (!table.add({ name: req.name, location: req.location, agent: req.agent, options: checkOptions('options', req.options), nowMs: clock.now() })) throw exists(what, req.name);
    const added = table.get(req.name);
    if (!added) throw new ApiError(status.INTERNAL, `${what} vanished`);
    return added;
  };

  return {
    createEnrollmentToken: sync((req) => {
      const ttl = req.ttlSeconds === 0 ? DEFAULT_TOKEN_TTL_S : req.ttlSeconds;
      if (ttl < 60 || ttl > 30 * 86400) throw invalid('ttl_seconds', `${ttl} is out of range; use 60 s to 30 days`);
      const token = `cft1.${randomBytes(24).toString('base64url')}.${d.caPin}`;
      const now = clock.now();
      catalog.tokens.add(token, now, now + ttl * 1000);
      d.log.info({ expiresInS: ttl }, 'enrollment token created');
      return { token, expiresMs: now + ttl * 1000 };
    }),

    listAgents: sync(() => ({ agents: agentViews(catalog, dispatcher) })),

    revokeAgent: sync((req) => {
      const a = catalog.agents.byName(req.name);
      if (!a) throw notFound('agent', req.name, "list agents with 'coffer ctl agents'");
      catalog.agents.revoke(req.name, clock.now());
      dispatcher.registry.get(a.id)?.channel.close('the agent was revoked');
      d.log.warn({ agent: req.name }, 'agent revoked');
      const after = catalog.agents.byName(req.name) ?? a;
      const { localStores: _l, nats, ...rest } = after;
      return { ...rest, connected: false, runningJobs: 0, site: nats?.site ?? '', siteUnreachableSinceMs: 0 };
    }),

    addStore: sync((req) => {
      checkName('name', req.name);
      checkLocation('location', req.location, 'store');
      const options = checkOptions('options', req.options);
      if (req.passphraseOnAgent && req.passphrase !== '') throw invalid('passphrase', 'give either a passphrase or passphrase_on_agent, not both');
      if (!catalog.stores.add({ name: req.name, location: req.location, options, passphrase: req.passphrase, passphraseOnAgent: req.passphraseOnAgent, nowMs: clock.now() })) {
        throw exists('store', req.name);
      }
      dispatcher.kick();
      const s = catalog.stores.get(req.name);
      if (!s) throw new ApiError(status.INTERNAL, 'store vanished');
      return s;
    }),
    listStores: sync(() => ({ stores: catalog.stores.list() })),
    removeStore: sync((req) => {
      inUse('store', req.name, (sc) => sc.store === req.name);
      if (!catalog.stores.remove(req.name)) throw notFound('store', req.name, "check 'coffer ctl store list'");
      catalog.checks.removeStore(req.name);
      return {};
    }),

    addSource: sync((req) => ({ ...addPlace('source', req, 'backs it up'), lastBackupMs: 0 })),
    listSources: sync(() => {
      const last = catalog.snapshots.lastBySource();
      return { sources: catalog.sources.list().map((s) => ({ ...s, lastBackupMs: last.get(s.name) ?? 0 })) };
    }),
    removeSource: sync((req) => {
      inUse('source', req.name, (sc) => sc.source === req.name);
      if (!catalog.sources.remove(req.name)) throw notFound('source', req.name, "check 'coffer ctl source list'");
      return {};
    }),

    addDestination: sync((req) => addPlace('destination', req, 'restores there')),
    listDestinations: sync(() => ({ destinations: catalog.destinations.list() })),
    removeDestination: sync((req) => {
      if (!catalog.destinations.remove(req.name)) throw notFound('destination', req.name, "check 'coffer ctl destination list'");
      return {};
    }),

    addSchedule: sync((req) => {
      if (!req.schedule) throw invalid('schedule', 'missing');
      checkName('name', req.schedule.name);
      const s = d.schedules.validate(req.schedule);
      if (s.kind === JobKind.JOB_KIND_BACKUP && !catalog.sources.get(s.source)) throw notFound('source', s.source, "add it with 'coffer ctl source add'");
      if (!catalog.stores.get(s.store)) throw notFound('store', s.store, "add it with 'coffer ctl store add'");
      if (!catalog.schedules.add(s, clock.now())) throw exists('schedule', s.name);
      d.schedules.added(s.name);
      return catalog.schedules.get(s.name)?.schedule ?? s;
    }),
    setSchedulePaused: sync((req) => {
      const r = catalog.schedules.get(req.name);
      if (!r) throw notFound('schedule', req.name, "check 'coffer ctl schedule list'");
      const { nextRunMs: _n, lastRunMs: _l, lastJobId: _j, ...definition } = r.schedule;
      catalog.schedules.update({ ...definition, nextRunMs: 0, lastRunMs: 0, lastJobId: '', paused: req.paused });
      d.schedules.added(req.name);
      d.log.info({ schedule: req.name, paused: req.paused }, req.paused ? 'schedule paused' : 'schedule resumed');
      return catalog.schedules.get(req.name)?.schedule ?? r.schedule;
    }),
    listSchedules: sync(() => ({ schedules: catalog.schedules.list().map((r) => r.schedule) })),
    removeSchedule: sync((req) => {
      if (!catalog.schedules.remove(req.name)) throw notFound('schedule', req.name, "check 'coffer ctl schedule list'");
      d.schedules.removed(req.name);
      return {};
    }),

    ...jobCalls(d),
    ...editCalls(d),
    ...dashboardCall(d),
    ...userCalls(d),
  };
}
