/**
 * A button that copies text to the clipboard and says so ("Copied"), announced politely
 * to screen readers. Where the Clipboard API is missing (plain HTTP off localhost) it
 * says to select the text instead.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';

export function CopyButton({ text, label }: { readonly text: string; readonly label: string }): JSX.Element {
  const [done, setDone] = useState('');
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(text);
      setDone('Copied.');
    } catch {
      setDone('Copying is not allowed here; select the text and copy it.');
    }
  };
  return (
    <span class="copy">
      <button type="button" onClick={() => void copy()}>{label}</button>
      <span role="status" aria-live="polite">{done}</span>
    </span>
  );
}
