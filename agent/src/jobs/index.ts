/**
 * The agent's job runner: runs the controller's jobs as coffer child processes
 * (runJob), keeps finished results until the controller acknowledges them (Outbox),
 * remembers running jobs across agent restarts (RunningJobs, recoverInterruptedJobs),
 * and holds the passphrases the agent keeps itself (createLocalPassphrases).
 */
export { runJob, type JobOutcome, type RunJobOptions } from './run-job.js';
export { Outbox } from './outbox.js';
export { RunningJobs, recoverInterruptedJobs, type RecoverOptions, type RunningRecord } from './running-jobs.js';
export { createLocalPassphrases, PASSPHRASES_FILE, type LocalPassphrases, type LocalPassphrasesOptions } from './local-passphrases.js';
export { planJob, type JobPlan, type JobStep, type PlanOptions } from './job-plan.js';
