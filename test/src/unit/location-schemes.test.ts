/**
 * One table of location schemes (shared/location-schemes.ts) serves the controller's
 * validation and the agent's registries: every scheme the agent registers has that role
 * in the table, a scheme without it cannot be registered, and the controller accepts
 * exactly what the table says.
 */
import assert from 'node:assert/strict';
import '@coffer/agent/connectors/sftp-register.js';
import '@coffer/agent/storage/sftp-register.js';
import { connectorSchemes, registerSource } from '@coffer/agent/connectors/registry.js';
import { backendSchemes, registerBackend } from '@coffer/agent/storage/registry.js';
import { LOCATION_SCHEMES, locationProblem, redactLocation, schemeInfo } from '@coffer/shared/location-schemes.js';
import { checkLocation } from '@coffer/controller/api/validate.js';

describe('the table of location schemes', () => {
  it('gives every scheme the agent registers its role', () => {
    const { importers, exporters } = connectorSchemes();
    for (const s of importers) assert.ok(schemeInfo(s)?.roles.includes('source'), `source ${s}`);
    for (const s of exporters) assert.ok(schemeInfo(s)?.roles.includes('destination'), `destination ${s}`);
    for (const s of backendSchemes()) assert.ok(schemeInfo(s)?.roles.includes('store'), `store ${s}`);
    // And the agent has a connector for every role the table promises.
    for (const info of LOCATION_SCHEMES) {
      if (info.roles.includes('source')) assert.ok(importers.includes(info.scheme), `${info.scheme} source registered`);
      if (info.roles.includes('destination')) assert.ok(exporters.includes(info.scheme), `${info.scheme} destination registered`);
      if (info.roles.includes('store')) assert.ok(backendSchemes().includes(info.scheme), `${info.scheme} store registered`);
    }
  });

  it('refuses to register a scheme the table does not have', () => {
    assert.throws(() => registerSource('ftp', () => Promise.reject(new Error('never'))), /does not give it that role/);
    assert.throws(() => registerBackend('s3', () => Promise.reject(new Error('never'))), /does not give it that role/);
  });

  it('is what the controller validates with', () => {
    for (const ok of ['/srv/x', 'fs:///srv/x', 'sftp://u@h:2222/srv/x', 'sftp://h/x']) {
      assert.equal(locationProblem(ok), undefined, ok);
      assert.equal(checkLocation('location', ok, 'store'), ok);
    }
    for (const [bad, why] of [
      ['ftp://h/x', /unknown scheme 'ftp:'/],
      ['sftp:///x', /has no host/],
      ['sftp://u:secret@h/x', /passwords in locations are not accepted/],
      ['fs://host/x', /fs:\/\/\/absolute\/path/],
      ['relative/path', /is not a location/],
    ] as const) {
      assert.match(String(locationProblem(bad)), why, bad);
      assert.throws(() => checkLocation('location', bad), why);
    }
    assert.equal(redactLocation('sftp://u:secret@h/x'), 'sftp://u@h/x');
  });
});
