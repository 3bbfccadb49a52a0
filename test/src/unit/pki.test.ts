/**
 * Unit tests of the PKI (shared/src/pki): the CA, enrollment CSRs, client and server
 * certificates, and client certificate verification. Certificates are cross-checked with
 * Node's own X.509 parser, an implementation independent of the one that made them.
 * Times are fixed, so no assertion depends on the clock.
 */
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import {
  createCa,
  createKeyAndCsr,
  issueServerCertificate,
  signClientCertificate,
  verifyClientCertificate,
  type CaMaterial,
} from '@coffer/shared/pki/index.js';

const T0 = Date.UTC(2030, 0, 1);
const DAY = 86_400_000;
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

/** Asserts `p` rejects with a CofferError of `code` whose message matches `re`. */
async function rejectsWith(p: Promise<unknown>, code: ErrorCode, re: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof CofferError, `not a CofferError: ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, re);
    return true;
  });
}

/** The CSR with `from` replaced by `to` (same length) inside its signed content. */
function tamper(csrPem: string, from: string, to: string): string {
  const der = Buffer.from(csrPem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const at = der.indexOf(from);
  assert.ok(at > 0, 'the name is in the CSR');
  der.write(to, at, 'latin1');
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE REQUEST-----\n${b64}\n-----END CERTIFICATE REQUEST-----\n`;
}

describe('PKI', () => {
  let ca: CaMaterial;
  let otherCa: CaMaterial;
  before(async () => {
    ca = await createCa('Coffer test CA', { now: T0 });
    otherCa = await createCa('Someone else', { now: T0 });
  });

  it('creates a ten-year P-256 CA that may sign certificates', () => {
    const cert = new X509Certificate(ca.certPem);
    assert.equal(cert.ca, true);
    assert.equal(cert.subject, 'CN=Coffer test CA');
    assert.ok(cert.checkIssued(cert) && cert.verify(cert.publicKey), 'self-signed');
    assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.ok(cert.checkPrivateKey(createPrivateKey(ca.keyPem)));
    assert.match(ca.keyPem, /^-----BEGIN PRIVATE KEY-----/);
    const years = (Date.parse(cert.validTo) - T0) / (365.25 * DAY);
    assert.ok(years > 9.9 && years < 10.1, `${years} years`);
  });

  it('signs an agent CSR into a client certificate that verifies, with the subject from the arguments', async () => {
    const agent = await createKeyAndCsr('name-in-csr');
    assert.match(agent.keyPem, /^-----BEGIN PRIVATE KEY-----/);
    assert.match(agent.csrPem, /^-----BEGIN CERTIFICATE REQUEST-----/);
    const issued = await signClientCertificate(ca, agent.csrPem, { commonName: 'agent-one', uri: 'coffer-agent:a1', days: 30, now: T0 });
    assert.match(issued.serial, /^[0-9a-f]{32}$/);
    assert.equal(issued.notAfter, T0 + 30 * DAY);

    const cert = new X509Certificate(issued.certPem);
    assert.equal(cert.subject, 'CN=agent-one');
    assert.equal(cert.subjectAltName, 'URI:coffer-agent:a1');
    assert.deepEqual(cert.keyUsage, [CLIENT_AUTH]);
    assert.equal(cert.ca, false);
    assert.equal(cert.serialNumber.toLowerCase(), issued.serial);
    assert.ok(cert.checkIssued(new X509Certificate(ca.certPem)) && cert.verify(new X509Certificate(ca.certPem).publicKey));
    assert.ok(cert.checkPrivateKey(createPrivateKey(agent.keyPem)), 'the certificate is for the agent key');

    const id = await verifyClientCertificate(issued.certPem, ca.certPem, T0 + DAY);
    assert.deepEqual(id, { serial: issued.serial, commonName: 'agent-one', uri: 'coffer-agent:a1', notAfter: issued.notAfter });
    const fromDer = await verifyClientCertificate(cert.raw, ca.certPem, T0 + DAY);
    assert.deepEqual(fromDer, id);
  });

  it('gives every certificate a different serial', async () => {
    const { csrPem } = await createKeyAndCsr('x');
    const serials = new Set<string>();
    for (let i = 0; i < 5; i++) {
      serials.add((await signClientCertificate(ca, csrPem, { commonName: 'x', uri: 'coffer-client:x', days: 1, now: T0 })).serial);
    }
    assert.equal(serials.size, 5);
  });

  it('refuses a certificate issued by another CA', async () => {
    const { csrPem } = await createKeyAndCsr('intruder');
    const foreign = await signClientCertificate(otherCa, csrPem, { commonName: 'agent-one', uri: 'coffer-agent:a1', days: 30, now: T0 });
    await rejectsWith(verifyClientCertificate(foreign.certPem, ca.certPem, T0 + DAY), ErrorCode.Permission, /not issued by this controller's CA/);
  });

  it('refuses a certificate with the right issuer name but another key', async () => {
    const impostor = await createCa('Coffer test CA', { now: T0 });
    const { csrPem } = await createKeyAndCsr('intruder');
    const forged = await signClientCertificate(impostor, csrPem, { commonName: 'agent-one', uri: 'coffer-agent:a1', days: 30, now: T0 });
    await rejectsWith(verifyClientCertificate(forged.certPem, ca.certPem, T0 + DAY), ErrorCode.Permission, /not issued by this controller's CA/);
  });

  it('refuses an expired certificate and one not yet valid', async () => {
    const { csrPem } = await createKeyAndCsr('a');
    const issued = await signClientCertificate(ca, csrPem, { commonName: 'a', uri: 'coffer-agent:a', days: 1, now: T0 });
    await rejectsWith(verifyClientCertificate(issued.certPem, ca.certPem, T0 + 2 * DAY), ErrorCode.Permission, /expired on 2030-01-02/);
    await rejectsWith(verifyClientCertificate(issued.certPem, ca.certPem, T0 - DAY), ErrorCode.Permission, /not valid until 2029-12-31T23:55/);
    const justIssued = await verifyClientCertificate(issued.certPem, ca.certPem, T0 - 60_000);
    assert.equal(justIssued.commonName, 'a', 'a peer clock a minute late still accepts a new certificate');
  });

  it('refuses to sign a tampered CSR, or something that is not a CSR', async () => {
    const { csrPem } = await createKeyAndCsr('csr-name-a');
    const forged = tamper(csrPem, 'csr-name-a', 'csr-name-b');
    await rejectsWith(signClientCertificate(ca, forged, { commonName: 'a', uri: 'coffer-agent:a', days: 1 }), ErrorCode.Corrupt, /bad signature/);
    await rejectsWith(signClientCertificate(ca, 'hello', { commonName: 'a', uri: 'coffer-agent:a', days: 1 }), ErrorCode.Corrupt, /not a PKCS#10/);
  });

  it('refuses bad arguments when signing', async () => {
    const { csrPem } = await createKeyAndCsr('a');
    await rejectsWith(signClientCertificate(ca, csrPem, { commonName: 'a', uri: 'no scheme', days: 1 }), ErrorCode.Config, /URI/);
    await rejectsWith(signClientCertificate(ca, csrPem, { commonName: '', uri: 'coffer-agent:a', days: 1 }), ErrorCode.Config, /common name/);
    await rejectsWith(signClientCertificate(ca, csrPem, { commonName: 'a', uri: 'coffer-agent:a', days: 0 }), ErrorCode.Config, /days/);
    const opts = { commonName: 'a', uri: 'coffer-agent:a', days: 1 };
    const server = await issueServerCertificate(ca, ['localhost']);
    await rejectsWith(signClientCertificate({ certPem: server.certPem, keyPem: server.keyPem }, csrPem, opts), ErrorCode.Config, /not a CA/);
    await rejectsWith(signClientCertificate({ certPem: ca.certPem, keyPem: otherCa.keyPem }, csrPem, opts), ErrorCode.Config, /does not belong/);
    await rejectsWith(signClientCertificate({ certPem: ca.certPem, keyPem: 'junk' }, csrPem, opts), ErrorCode.Config, /not a usable P-256/);
  });

  it('issues a server certificate for IP addresses and host names', async () => {
    const server = await issueServerCertificate(ca, ['127.0.0.1', 'localhost', '::1', 'Backup.Example.org', 'localhost'], { now: T0 });
    const cert = new X509Certificate(server.certPem);
    assert.equal(cert.subject, 'CN=127.0.0.1');
    assert.deepEqual(cert.keyUsage, [SERVER_AUTH]);
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(cert.checkIP('::1'), '::1');
    assert.equal(cert.checkHost('localhost'), 'localhost');
    assert.equal(cert.checkHost('backup.example.org'), 'backup.example.org');
    assert.equal(cert.checkHost('other.example.org'), undefined);
    assert.ok(cert.checkPrivateKey(createPrivateKey(server.keyPem)));
    assert.ok(cert.checkIssued(new X509Certificate(ca.certPem)));
    await rejectsWith(issueServerCertificate(ca, []), ErrorCode.Config, /at least one/);
    await rejectsWith(issueServerCertificate(ca, ['bad host!']), ErrorCode.Config, /not a host name/);
  });

  it('refuses a server certificate presented as a client certificate', async () => {
    const server = await issueServerCertificate(ca, ['localhost'], { now: T0 });
    await rejectsWith(verifyClientCertificate(server.certPem, ca.certPem, T0 + DAY), ErrorCode.Permission, /not a client certificate/);
    await rejectsWith(verifyClientCertificate(ca.certPem, ca.certPem, T0 + DAY), ErrorCode.Permission, /is a CA certificate/);
    await rejectsWith(verifyClientCertificate(Buffer.from('junk'), ca.certPem, T0), ErrorCode.Permission, /not an X.509 certificate/);
  });
});
