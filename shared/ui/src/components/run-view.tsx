/**
 * The start/cancel buttons of a streamed operation (useRun) and, below its form, its live
 * progress and error; the caller renders the result.
 */
import type { JSX } from 'preact';
import { ProgressLine } from './progress-line.js';
import { ErrorBox } from './status.js';
import type { Run } from './use-run.js';

export function RunButtons<R>({ run, label, disabled = false }: { run: Run<R>; label: string; disabled?: boolean }): JSX.Element {
  return (
    <div class="buttons">
      <button type="submit" disabled={run.running || disabled}>
        {label}
      </button>
      {run.running ? (
        <button type="button" onClick={run.cancel}>
          Cancel
        </button>
      ) : null}
    </div>
  );
}

export function RunStatus<R>({ run, label }: { run: Run<R>; label: string }): JSX.Element {
  return (
    <>
      {run.running ? <ProgressLine p={run.progress} label={label} /> : null}
      {run.error ? <ErrorBox error={run.error} /> : null}
    </>
  );
}
