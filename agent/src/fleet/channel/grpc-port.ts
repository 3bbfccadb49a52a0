/**
 * The gRPC ControllerPort: one mutual-TLS Connect stream per session, keepalives on.
 * A result is written to the stream (the outbox keeps it until the controller's ack).
 */
import { Metadata, type ClientDuplexStream } from '@grpc/grpc-js';
import { AgentServiceClient, type AgentMessage, type ControllerMessage, type JobDone } from '@coffer/shared/gen/coffer/v1/agent.js';
import { channelCredentials } from '@coffer/shared/pki/channel-credentials.js';
import type { AgentIdentity } from '../agent-files.js';
import { grpcFailure } from '../grpc-errors.js';
import type { ControllerPort, PortHandlers } from './controller-port.js';

export class GrpcPort implements ControllerPort {
  private readonly client: AgentServiceClient;
  private stream: ClientDuplexStream<AgentMessage, ControllerMessage> | undefined;
  readonly address: string;

  constructor(id: AgentIdentity) {
    this.address = id.controller;
    this.client = new AgentServiceClient(id.controller, channelCredentials(id.caPem, id.certPem, id.keyPem), {
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.keepalive_permit_without_calls': 1,
    });
  }

  open(h: PortHandlers): void {
    const stream = this.client.connect(new Metadata());
    this.stream = stream;
    stream.on('data', (m: ControllerMessage) => h.message(m));
    const lost = (why: string): void => {
      if (this.stream !== stream) return;
      this.stream = undefined;
      h.lost(why);
    };
    stream.on('error', (err) => lost(grpcFailure(err, this.address).message));
    stream.on('end', () => lost('the controller closed the stream'));
  }

  send(msg: AgentMessage): void {
    this.stream?.write(msg);
  }

  sendPaced(msg: AgentMessage): Promise<void> {
    const stream = this.stream;
    if (!stream || stream.write(msg)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        for (const e of ['drain', 'error', 'end', 'close']) stream.off(e, done);
        resolve();
      };
      for (const e of ['drain', 'error', 'end', 'close']) stream.once(e, done);
    });
  }

  sendResult(done: JobDone): Promise<void> {
    this.send({ msg: { $case: 'done', value: done } });
    return Promise.resolve();
  }

  close(): Promise<void> {
    const s = this.stream;
    this.stream = undefined;
    s?.end();
    this.client.close();
    return Promise.resolve();
  }
}
