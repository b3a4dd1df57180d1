import { useRef, useState } from 'react';

/**
 * CopySha shows the first 12 hex digits of a sha256 and copies all 64. Where the clipboard is not
 * allowed (the desktop window grants no permission), the whole digest is shown selected for Ctrl+C.
 */
export function CopySha({ sha256, of }: { sha256: string; of: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'select'>('idle');
  const field = useRef<HTMLInputElement>(null);
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(sha256);
      setState('copied');
    } catch {
      setState('select');
      requestAnimationFrame(() => field.current?.select());
    }
  };
  return (
    <span className="copy-sha">
      {state === 'select' ? (
        <input
          ref={field}
          readOnly
          className="mono sha-field"
          aria-label={`sha256 of ${of}, selected: press Ctrl+C to copy it`}
          value={sha256}
        />
      ) : (
        <code title={sha256}>{sha256.slice(0, 12)}…</code>
      )}
      <button type="button" aria-label={`Copy the sha256 of ${of}`} onClick={() => void copy()}>
        {state === 'copied' ? 'Copied' : 'Copy'}
      </button>
    </span>
  );
}
