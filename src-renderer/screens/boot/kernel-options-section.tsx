import { useEffect, useState, type FormEvent } from 'react';
import { call, CallError, useBridge, useCall } from '../../lib/api';
import { ErrorNotice } from '../../components/error-notice';
import type { ApiError } from '../../../src-shared/contract/result';
import type { KernelOptionsView } from '../../../src-shared/contract/boot';
import { kernelOptionsProblem } from '../../../src-shared/boot/kernel-options';

/** The key of the global options, as `boot.setKernelOptions` names it. */
const GLOBAL = 'default';

/**
 * KernelOptionsSection edits the extra kernel options: the ones every machine gets, and a
 * machine's own (after them). Text is checked as it is typed, with the same words the server
 * would answer; Save stores it, and the next config a machine fetches carries it.
 */
export function KernelOptionsSection() {
  const bridge = useBridge();
  const stored = useCall('boot.kernelOptions', {});
  const [global, setGlobal] = useState<string | null>(null);
  const [mac, setMac] = useState('');
  const [own, setOwn] = useState('');
  const [error, setError] = useState<ApiError | undefined>();
  const [saved, setSaved] = useState<string | null>(null);

  const loaded = stored.data;
  useEffect(() => {
    if (loaded !== undefined) setGlobal((g) => g ?? loaded.global);
  }, [loaded]);

  const globalText = global ?? '';
  const globalProblem = kernelOptionsProblem(globalText);
  const ownProblem = kernelOptionsProblem(own);

  const save = async (
    target: string,
    options: string,
    done: (view: KernelOptionsView) => string,
  ): Promise<boolean> => {
    setError(undefined);
    setSaved(null);
    try {
      const view = await call(bridge, 'boot.setKernelOptions', { mac: target, options });
      stored.reload();
      setSaved(done(view));
      return true;
    } catch (e) {
      if (e instanceof CallError) setError(e.error);
      else throw e;
      return false;
    }
  };
  const saveGlobal = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    await save(GLOBAL, globalText, (view) => {
      setGlobal(view.global);
      return view.global === ''
        ? 'Saved: no extra kernel options for every machine.'
        : 'Saved: machines get these options from their next boot on.';
    });
  };
  const saveOwn = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const target = mac.trim();
    if (
      await save(target, own, () =>
        own.trim() === ''
          ? `Removed the kernel options of ${target}.`
          : `Saved the kernel options of ${target}.`,
      )
    ) {
      setMac('');
      setOwn('');
    }
  };

  const machines = stored.data?.machines ?? [];
  return (
    <>
      <h3 className="subhead" id="kernel-options-title">
        Kernel options
      </h3>
      <p className="hint" id="kernel-options-hint">
        Added to the kernel command line after LabBoot&apos;s own options, for example{' '}
        <code>console=ttyS0,115200</code> for a serial console. A machine&apos;s own options come
        after the ones for every machine.
      </p>
      {stored.error !== undefined && <ErrorNotice error={stored.error} />}
      <form
        className="toolbar"
        aria-labelledby="kernel-options-title"
        onSubmit={(e) => void saveGlobal(e)}
      >
        <label className="field inline">
          <span>Kernel options for every machine</span>
          <input
            value={globalText}
            onChange={(e) => {
              setGlobal(e.target.value);
              setSaved(null);
            }}
            placeholder="console=ttyS0,115200"
            spellCheck={false}
            size={40}
            aria-invalid={globalProblem !== null}
            aria-describedby={globalProblem === null ? 'kernel-options-hint' : 'global-problem'}
            disabled={stored.loading && global === null}
          />
        </label>
        <button type="submit" disabled={globalProblem !== null}>
          Save for every machine
        </button>
      </form>
      {globalProblem !== null && (
        <p id="global-problem" className="notice notice-warn" role="alert">
          {globalProblem}
        </p>
      )}
      {machines.length > 0 && (
        <table className="table compact">
          <caption className="visually-hidden">Kernel options per machine</caption>
          <thead>
            <tr>
              <th scope="col">MAC</th>
              <th scope="col">Its own kernel options</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {machines.map((m) => (
              <tr key={m.mac}>
                <th scope="row">
                  <code>{m.mac}</code>
                </th>
                <td>
                  <code>{m.options}</code>
                </td>
                <td className="actions">
                  <button
                    type="button"
                    aria-label={`Remove kernel options of ${m.mac}`}
                    onClick={() =>
                      void save(m.mac, '', () => `Removed the kernel options of ${m.mac}.`)
                    }
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        className="toolbar"
        aria-label="Kernel options of one machine"
        onSubmit={(e) => void saveOwn(e)}
      >
        <label className="field inline">
          <span>Machine (MAC)</span>
          <input
            value={mac}
            onChange={(e) => setMac(e.target.value)}
            placeholder="52:54:00:12:34:56"
            required
            size={18}
          />
        </label>
        <label className="field inline">
          <span>Its own options</span>
          <input
            value={own}
            onChange={(e) => {
              setOwn(e.target.value);
              setSaved(null);
            }}
            placeholder="systemd.log_level=debug"
            spellCheck={false}
            size={32}
            aria-invalid={ownProblem !== null}
            aria-describedby={ownProblem === null ? undefined : 'own-problem'}
          />
        </label>
        <button type="submit" disabled={mac.trim() === '' || ownProblem !== null}>
          Save for this machine
        </button>
      </form>
      {ownProblem !== null && (
        <p id="own-problem" className="notice notice-warn" role="alert">
          {ownProblem}
        </p>
      )}
      {saved !== null && (
        <p role="status" className="hint">
          {saved}
        </p>
      )}
      {error !== undefined && <ErrorNotice error={error} />}
    </>
  );
}
