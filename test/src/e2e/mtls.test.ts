/**
 * Mutual TLS on one gRPC port (shared/src/pki/grpc-tls.ts) with a real grpc-js server
 * on 127.0.0.1: a client certificate is requested, not required. The test service has
 * `Who` (open to all: says who the caller's certificate names, or that it has none)
 * and `Secure` (needs a verified client certificate, like the agent's Connect).
 */
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import {
  channelCredentials,
  createCa,
  createKeyAndCsr,
  issueServerCertificate,
  peerIdentity,
  serverCredentials,
  signClientCertificate,
  type CaMaterial,
  type ClientIdentity,
} from '@coffer/shared/pki/index.js';
import { CofferError } from '@coffer/shared/errors.js';

interface WhoReply {
  identity: ClientIdentity | null;
}

const json = {
  serialize: (v: unknown): Buffer => Buffer.from(JSON.stringify(v)),
  deserialize: (b: Buffer): unknown => JSON.parse(b.toString()) as unknown,
};
const unary = (name: string): grpc.MethodDefinition<unknown, unknown> => ({
  path: `/coffer.test.Mtls/${name}`,
  requestStream: false,
  responseStream: false,
  requestSerialize: json.serialize,
  requestDeserialize: json.deserialize,
  responseSerialize: json.serialize,
  responseDeserialize: json.deserialize,
});
const service: grpc.ServiceDefinition = { Who: unary('Who'), Secure: unary('Secure') };
const TestClient = grpc.makeGenericClientConstructor(service, 'Mtls');

function handlers(caPem: string): grpc.UntypedServiceImplementation {
  const identify = async (call: grpc.ServerUnaryCall<unknown, unknown>): Promise<ClientIdentity | undefined> =>
    peerIdentity(call, caPem, Date.now());
  const refuse = (err: unknown): Partial<grpc.StatusObject> => ({
    code: grpc.status.UNAUTHENTICATED,
    details: err instanceof CofferError ? err.message : String(err),
  });
  return {
    Who: (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      identify(call).then((id) => cb(null, { identity: id ?? null }), (err: unknown) => cb(refuse(err)));
    },
    Secure: (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      identify(call).then(
        (id) => (id === undefined ? cb(refuse('no peer certificate')) : cb(null, { ok: id.uri })),
        (err: unknown) => cb(refuse(err)),
      );
    },
  };
}

/** Calls `method` once; resolves with the reply or rejects with the ServiceError. */
function call(client: grpc.Client, method: 'Who' | 'Secure'): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const fn = (client as unknown as Record<string, (req: unknown, cb: (err: grpc.ServiceError | null, res?: unknown) => void) => void>)[method];
    assert.ok(fn);
    fn.call(client, {}, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

async function rejectsWithStatus(p: Promise<unknown>, code: grpc.status, re?: RegExp): Promise<void> {
  await assert.rejects(p, (err: grpc.ServiceError) => {
    assert.equal(err.code, code, err.message);
    if (re) assert.match(err.details, re);
    return true;
  });
}

describe('mutual TLS on one gRPC port', () => {
  let ca: CaMaterial;
  let otherCa: CaMaterial;
  let server: grpc.Server;
  let address: string;
  const clients: grpc.Client[] = [];

  const connect = (creds: grpc.ChannelCredentials): grpc.Client => {
    const c = new TestClient(address, creds);
    clients.push(c);
    return c;
  };
  const clientCert = async (issuer: CaMaterial, name: string): Promise<{ certPem: string; keyPem: string; serial: string }> => {
    const { keyPem, csrPem } = await createKeyAndCsr(name);
    const issued = await signClientCertificate(issuer, csrPem, { commonName: name, uri: `coffer-agent:${name}`, days: 1 });
    return { certPem: issued.certPem, keyPem, serial: issued.serial };
  };

  before(async () => {
    ca = await createCa('Coffer e2e CA');
    otherCa = await createCa('Coffer e2e CA');
    const tls = await issueServerCertificate(ca, ['127.0.0.1', 'localhost']);
    server = new grpc.Server();
    server.addService(service, handlers(ca.certPem));
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', serverCredentials({ caPem: ca.certPem, certPem: tls.certPem, keyPem: tls.keyPem }), (err, p) =>
        err ? reject(err) : resolve(p),
      );
    });
    address = `127.0.0.1:${port}`;
  });
  after(() => {
    for (const c of clients) c.close();
    server?.forceShutdown();
  });

  it('lets a client without a certificate call; the handler sees no peer certificate', async () => {
    const client = connect(channelCredentials(ca.certPem));
    assert.deepEqual(await call(client, 'Who'), { identity: null });
    await rejectsWithStatus(call(client, 'Secure'), grpc.status.UNAUTHENTICATED, /no peer certificate/);
  });

  it('identifies a client with a certificate from the CA by serial, common name and URI', async () => {
    const agent = await clientCert(ca, 'agent-one');
    const client = connect(channelCredentials(ca.certPem, agent.certPem, agent.keyPem));
    const reply = (await call(client, 'Who')) as WhoReply;
    assert.ok(reply.identity);
    assert.equal(reply.identity.serial, agent.serial);
    assert.equal(reply.identity.commonName, 'agent-one');
    assert.equal(reply.identity.uri, 'coffer-agent:agent-one');
    assert.deepEqual(await call(client, 'Secure'), { ok: 'coffer-agent:agent-one' });
  });

  it('does not identify a client whose certificate comes from another CA', async () => {
    const intruder = await clientCert(otherCa, 'agent-one');
    const client = connect(channelCredentials(ca.certPem, intruder.certPem, intruder.keyPem));
    assert.deepEqual(await call(client, 'Who'), { identity: null });
    await rejectsWithStatus(call(client, 'Secure'), grpc.status.UNAUTHENTICATED, /no peer certificate/);
  });

  it('does not accept a server certificate of the same CA as a client certificate', async () => {
    const notClient = await issueServerCertificate(ca, ['client.example']);
    const client = connect(channelCredentials(ca.certPem, notClient.certPem, notClient.keyPem));
    // TLS itself refuses it (OpenSSL checks the clientAuth purpose), so the handler sees no
    // certificate; were TLS to pass it, peerIdentity's own check would refuse it.
    await rejectsWithStatus(call(client, 'Secure'), grpc.status.UNAUTHENTICATED);
  });

  it('fails for a client that does not trust the server CA', async () => {
    const agent = await clientCert(ca, 'agent-two');
    const client = connect(channelCredentials(otherCa.certPem, agent.certPem, agent.keyPem));
    await rejectsWithStatus(call(client, 'Who'), grpc.status.UNAVAILABLE);
  });
});
