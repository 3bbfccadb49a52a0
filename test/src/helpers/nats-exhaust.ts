/**
 * A job message that reaches its maximum deliveries: a consumer with max_deliver 2 on
 * the jobs stream of the server at `url` (as the controller, with its NKey), a RunJob
 * published and nak'ed twice; then waits (bounded) for the controller to remove it on
 * the MAX_DELIVERIES advisory and checks its log line. Used for the hub and for a leaf.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, nanos, nkeyAuthenticator } from '@nats-io/transport-node';
import { RunJob } from '@coffer/shared/gen/coffer/v1/agent.js';

export async function assertExhaustedJobRemoved(url: string, controllerData: string, subject: string, jobId: string, controllerLog: () => string): Promise<void> {
  const seed = fs.readFileSync(path.join(controllerData, 'nats-controller.nk'), 'utf8').trim();
  const nc = await connect({ servers: url, authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)), timeout: 5000 });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.consumers.add('COFFER_JOBS', { durable_name: 'agent-exhausted', filter_subject: subject, ack_policy: AckPolicy.Explicit, max_deliver: 2, ack_wait: nanos(1000) });
    const run = RunJob.encode({ jobId, kind: 1, spec: undefined, store: undefined, source: undefined, destination: undefined, passphrase: '', attempt: 1, sealedPassphrase: Buffer.alloc(0) }).finish();
    const ack = await jetstream(nc).publish(subject, run, { msgID: `${jobId}.1` });
    const consumer = await jetstream(nc).consumers.get('COFFER_JOBS', 'agent-exhausted');
    for (let i = 0; i < 2; i++) (await consumer.next({ expires: 3000 }))?.nak();
    // The server gives up (and advises) when it would deliver a third time.
    assert.equal(await consumer.next({ expires: 2000 }), null, 'no third delivery');
    let gone = false;
    for (let i = 0; i < 50 && !gone; i++) {
      await sleep(200);
      gone = (await jsm.streams.getMessage('COFFER_JOBS', { seq: ack.seq }).catch(() => null)) === null;
    }
    assert.ok(gone, `the exhausted job is still in the stream of ${url}\n${controllerLog().slice(-2000)}`);
    assert.match(controllerLog(), new RegExp(`"job":"${jobId}".*a job reached its maximum deliveries on NATS; removing it`));
    await jsm.consumers.delete('COFFER_JOBS', 'agent-exhausted');
  } finally {
    await nc.close();
  }
}
