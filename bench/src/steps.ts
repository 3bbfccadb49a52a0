/** The timed steps of a benchmark run, in the order they run, and their report labels. */

/** The timed steps, in order. */
export const STEPS = ['create', 'initial', 'nochange', 'change', 'restore', 'check'] as const;
export type StepName = (typeof STEPS)[number];

/** How each step is named in the report. */
export const STEP_LABELS: Readonly<Record<StepName, string>> = {
  create: 'create/init',
  initial: 'initial backup',
  nochange: 'no-change backup',
  change: 'after-change backup',
  restore: 'restore latest',
  check: 'check (read data)',
};
