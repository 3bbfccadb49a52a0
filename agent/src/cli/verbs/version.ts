/** `coffer version` — the version and the connectors really available. */
import { VERSION } from '@coffer/shared/version.js';
import { connectorSchemes } from '../../connectors/registry.js';
import { backendSchemes } from '../../storage/registry.js';
import type { Verb } from '../verb.js';

export const version: Verb = {
  name: 'version',
  usage: 'coffer version',
  needsStore: false,
  flags: {},
  run(ctx) {
    const c = connectorSchemes();
    ctx.out(`coffer/v${VERSION}`);
    ctx.out('');
    ctx.out(`importers: ${c.importers.join(', ')}`);
    ctx.out(`exporters: ${c.exporters.join(', ')}`);
    ctx.out(`klosets: ${backendSchemes().join(', ')}`);
    return Promise.resolve(0);
  },
};
