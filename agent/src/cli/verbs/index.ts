/** Every CLI verb, by name. */
import type { Verb } from '../verb.js';
import { backupVerb } from './backup.js';
import { cat } from './cat.js';
import { checkVerb } from './check.js';
import { create } from './create.js';
import { diff } from './diff.js';
import { digest } from './digest.js';
import { info } from './info.js';
import { locate } from './locate.js';
import { ls } from './ls.js';
import { repair } from './repair.js';
import { restoreVerb } from './restore.js';
import { unlock } from './unlock.js';
import { rm } from './rm.js';
import { forget } from './forget.js';
import { maintenance } from './maintenance.js';
import { sync } from './sync.js';
import { trust } from './trust.js';
import { keyVerb } from './key.js';
import { configVerb, destinationVerb, sourceVerb, storeVerb } from './named.js';
import { version } from './version.js';
import { agentVerb } from './agent.js';
import { uiVerb } from './ui.js';

export const verbs = new Map<string, Verb>(
  [create, backupVerb, ls, cat, restoreVerb, checkVerb, info, diff, locate, digest, sync, rm, forget, maintenance, repair, unlock, trust, keyVerb, version, configVerb, storeVerb, sourceVerb, destinationVerb, agentVerb, uiVerb].map((v) => [v.name, v]),
);
