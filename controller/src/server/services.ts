/**
 * The controller's services, built once and served on every transport: ControllerService
 * and StoreService as neutral handlers with their role checks (api/roles.ts); the store
 * forwarder (the controller never opens a store) over the agent channel; the agent
 * events the transport reports, split between the dispatcher (jobs) and the store-call
 * router (StoreReply), and the retry notes of job logs (jobs/retry-notes.ts); verify jobs'
 * outcomes recorded as the stores' last checks.
 */
import { ControllerServiceDefinition } from '@coffer/shared/gen/coffer/v1/controller.js';
import { StoreServiceDefinition } from '@coffer/shared/gen/coffer/v1/store.js';
import type { StoreApi } from '@coffer/shared/store-api.js';
import { controllerService, type ServiceDeps, type UserHooks } from '../api/controller-service.js';
import type { ControllerApi } from '../api/neutral.js';
import { CONTROLLER_ROLES, STORE_ROLES, withRoles } from '../api/roles.js';
import { StoreCallRouter } from '../dispatch/store-calls.js';
import { createStoreForwarder } from '../dispatch/store-forwarder.js';
import type { AgentEvents } from '../dispatch/transport.js';
import { recordVerifyJob } from '../jobs/check-results.js';
import { consoleRestore } from '../jobs/console-restore.js';
import { RetryNotes } from '../jobs/retry-notes.js';

/** The service's needs, with the hook that ends a changed user's console sessions. */
export type ServicesDeps = ServiceDeps & { readonly users: UserHooks };

export interface Services {
  readonly controllerApi: ControllerApi;
  readonly storeApi: StoreApi;
  /** What the agent transport reports to. */
  readonly agentEvents: AgentEvents;
}

export function buildServices(d: ServicesDeps): Services {
  const { catalog, dispatcher, clock, log } = d;
  const router = new StoreCallRouter(clock);
  const retries = new RetryNotes(catalog, (id) => dispatcher.changed(id), () => clock.now());
  const agentEvents: AgentEvents = {
    opened: (ch) => dispatcher.opened(ch),
    message(ch, msg) {
      if (msg.msg?.$case === 'storeReply') {
        router.reply(ch, msg.msg.value);
        return;
      }
      dispatcher.message(ch, msg);
      if (msg.msg?.$case === 'log') retries.log(ch.agentName, msg.msg.value);
    },
    closed(ch, reason) {
      router.closed(ch);
      dispatcher.closed(ch, reason);
    },
    undelivered: (ch, jobId, attempt, why) => dispatcher.undelivered(ch, jobId, attempt, why),
  };
  const restore = consoleRestore({ catalog, clock, log, jobs: dispatcher });
  const storeApi = withRoles(StoreServiceDefinition, STORE_ROLES, createStoreForwarder({ catalog, registry: dispatcher.registry, router, clock, log, restore }));
  const controllerApi = withRoles(ControllerServiceDefinition, CONTROLLER_ROLES, controllerService(d));
  dispatcher.onFinished((job) => {
    try {
      recordVerifyJob(catalog, job);
    } catch (err) {
      log.error({ err, job: job.id }, 'cannot record the check of a verify job');
    }
  });
  return { controllerApi, storeApi, agentEvents };
}
