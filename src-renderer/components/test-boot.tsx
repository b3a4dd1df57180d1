import { useEffect, useRef, useState } from 'react';
import { call, CallError, useBridge, useEvent } from '../lib/api';
import { ErrorNotice } from './error-notice';
import type { ApiError } from '../../src-shared/contract/result';
import type { TestBootFirmware, TestBootView } from '../../src-shared/contract/testboot';

/** How much console text the view keeps (the service keeps the same tail for a late opener). */
const CONSOLE_KEEP = 256 * 1024;

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/**
 * TestBootDialog boots `image` (or the amd64 default) in a throwaway local QEMU VM: firmware
 * choice, Start and Stop, the milestones with their times, and the VM's serial console in a
 * read-only terminal view that follows the output. Everything comes through the contract: the
 * `testboot.*` calls and the `testboot.changed` / `testboot.console` events.
 */
export function TestBootDialog({ image, onClose }: { image?: string; onClose: () => void }) {
  const bridge = useBridge();
  const ref = useRef<HTMLDialogElement>(null);
  const consoleRef = useRef<HTMLPreElement>(null);
  const [firmware, setFirmware] = useState<TestBootFirmware>('bios');
  const [view, setView] = useState<TestBootView | null>(null);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog !== null && !dialog.open) dialog.showModal();
    // A test boot already running (from another window) is shown rather than started twice.
    void call(bridge, 'testboot.status', {}).then((s) => {
      if (s.current?.state === 'running') {
        setView(s.current);
        setText(s.console);
      }
    });
  }, [bridge]);
  useEvent('testboot.changed', (v) => {
    setView((shown) => (shown === null || shown.id === v.id ? v : shown));
  });
  useEvent('testboot.console', (e) => {
    if (view?.id === e.id || view === null) setText((t) => (t + e.text).slice(-CONSOLE_KEEP));
  });
  useEffect(() => {
    const pre = consoleRef.current;
    if (pre !== null) pre.scrollTop = pre.scrollHeight;
  }, [text]);
  const running = view?.state === 'running';
  const act = async (what: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await what();
    } catch (e) {
      if (e instanceof CallError) setError(e.error);
      else throw e;
    } finally {
      setBusy(false);
    }
  };
  const start = (): Promise<void> =>
    act(async () => {
      setText('');
      setView(null);
      setView(
        await call(bridge, 'testboot.start', {
          firmware,
          ...(image === undefined ? {} : { image }),
        }),
      );
    });
  const stop = (): Promise<void> =>
    act(async () => {
      await call(bridge, 'testboot.stop', {});
    });
  const title = `Test boot${image === undefined ? '' : ` of ${image}`}`;
  return (
    <dialog
      ref={ref}
      className="panel"
      aria-labelledby="test-boot-title"
      onCancel={(e) => {
        // Esc closes the view; a running VM keeps running until Stop.
        e.preventDefault();
        onClose();
      }}
      // Opened from a table's actions cell, it must not inherit that cell's nowrap and alignment.
      style={{
        width: 'min(1100px, 96vw)',
        maxWidth: 'none',
        margin: 'auto',
        whiteSpace: 'normal',
        textAlign: 'left',
      }}
    >
      <h2 id="test-boot-title">{title}</h2>
      <p className="lead">
        Boots the image in a throwaway QEMU VM on this computer, through LabBoot’s own boot files
        and configs over QEMU’s user-mode network: no root, nothing on your LAN. Success is judged
        from the VM’s serial console.
      </p>
      <div className="toolbar">
        <fieldset className="field inline" disabled={running || busy}>
          <legend>Firmware</legend>
          {(['bios', 'uefi'] as const).map((f) => (
            <label key={f}>
              <input
                type="radio"
                name="test-boot-firmware"
                value={f}
                checked={firmware === f}
                onChange={() => setFirmware(f)}
              />{' '}
              {f.toUpperCase()}
            </label>
          ))}
        </fieldset>
        {running ? (
          <button type="button" onClick={() => void stop()} disabled={busy}>
            Stop
          </button>
        ) : (
          <button type="button" className="primary" onClick={() => void start()} disabled={busy}>
            {view === null ? 'Start' : 'Start again'}
          </button>
        )}
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      {error !== undefined && <ErrorNotice error={error} />}
      {view !== null && (
        <>
          <p className="hint">
            {view.image}, {view.firmware.toUpperCase()}, MAC <code>{view.mac}</code>:{' '}
            {view.accelNote}, {view.serverNote}.
          </p>
          {view.message !== null && (
            <div
              className={`notice ${view.state === 'succeeded' ? 'notice-ok' : 'notice-error'}`}
              role="status"
            >
              {view.message}
            </div>
          )}
          <div style={{ display: 'flex', gap: '1rem', alignItems: 'flex-start' }}>
            <section aria-labelledby="test-boot-milestones" style={{ minWidth: '16rem' }}>
              <h3 id="test-boot-milestones">Milestones</h3>
              {view.milestones.length === 0 ? (
                <p className="hint">{running ? 'Waiting for the firmware…' : 'None reached.'}</p>
              ) : (
                <ol aria-label="Milestones reached">
                  {view.milestones.map((m, i) => (
                    // A deploy's "installer writing N%" comes more than once.
                    <li key={`${i}-${m.id}`}>
                      <span className="num">{seconds(m.atMs)}</span> {m.label}
                    </li>
                  ))}
                </ol>
              )}
            </section>
            <pre
              ref={consoleRef}
              role="log"
              aria-label="Serial console"
              tabIndex={0}
              style={{
                flex: 1,
                minWidth: 0,
                height: '55vh',
                overflow: 'auto',
                margin: 0,
                padding: '0.5rem',
                background: '#111',
                color: '#ddd',
                fontSize: '12px',
                lineHeight: 1.3,
                whiteSpace: 'pre-wrap',
                overflowWrap: 'anywhere',
              }}
            >
              {text}
            </pre>
          </div>
        </>
      )}
    </dialog>
  );
}

/** TestBootButton opens the test boot view for `image` (or the amd64 default). */
export function TestBootButton({ image, label }: { image?: string; label?: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        aria-label={label ?? (image === undefined ? 'Test boot' : `Test boot ${image}`)}
        onClick={() => setOpen(true)}
      >
        Test boot
      </button>
      {open && (
        <TestBootDialog
          {...(image === undefined ? {} : { image })}
          onClose={() => setOpen(false)}
        />
      )}
    </>
  );
}
