/**
 * Picking two rows to compare (snapshots, versions of a path): `usePickTwo()` keeps at most
 * the two most recently ticked ids; `CompareButton` is enabled only with exactly two.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';

export function usePickTwo(): { picked: readonly string[]; onPick: (id: string, on: boolean) => void } {
  const [picked, setPicked] = useState<string[]>([]);
  const onPick = (id: string, on: boolean): void => setPicked((p) => (on ? [...p.filter((x) => x !== id), id].slice(-2) : p.filter((x) => x !== id)));
  return { picked, onPick };
}

export function CompareButton({ picked, onCompare }: { picked: readonly string[]; onCompare: () => void }): JSX.Element {
  return (
    <button type="button" disabled={picked.length !== 2} onClick={onCompare}>
      Compare the 2 selected
    </button>
  );
}
