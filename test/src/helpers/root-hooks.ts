/**
 * Mocha root hooks for the whole suite (loaded by .mocharc's `require`): after each test,
 * a background `coffer` that stayed alive after its last line during that test fails it
 * (see linger.ts).
 */
import { takeLingerViolations } from './linger.js';

export const mochaHooks = {
  afterEach(): void {
    const found = takeLingerViolations();
    if (found.length > 0) throw new Error(found.join('\n'));
  },
};
