import { useMemo, useState, type FormEvent } from 'react';
import { call, CallError, useBridge, useCall } from '../../lib/api';
import { ErrorNotice } from '../../components/error-notice';
import { Busy } from '../../components/busy';
import type { ApiError } from '../../../src-shared/contract/result';
import type { ImageView } from '../../../src-shared/contract/images';
import type { BootChoice } from '../../../src-shared/boot/choices';
import type * as Choices from '../../../src-shared/boot/choices';
import { KernelOptionsSection } from './kernel-options-section';
import { archDefaults, archOfDefaultKey } from './arch-defaults';

const localDisk = 'local';
/**
 * The choice key for machines without their own. Spelled here because importing the value would
 * pull zod into the renderer bundle; the type keeps it equal to the shared constant.
 */
const DEFAULT_CHOICE_MAC: typeof Choices.DEFAULT_CHOICE_MAC = 'default';

/** bootableImages lists what a machine can be told to boot: each os/release/arch, then per subarch. */
function bootableImages(images: readonly ImageView[]): string[] {
  const out = new Set<string>();
  for (const i of images) {
    if (i.kind !== 'image') continue;
    out.add(`${i.os}/${i.release}/${i.arch}`);
    out.add(`${i.os}/${i.release}/${i.arch}/${i.subarch}`);
  }
  return [...out].sort();
}

function describe(c: BootChoice | undefined): string {
  if (c === undefined) return 'not set';
  return c.action === 'local' ? 'its local disk' : (c.image ?? '?');
}

/** The value of a default's select: the image spec, `local`, or '' when not set. */
function selectValue(c: BootChoice | undefined): string {
  if (c === undefined) return '';
  return c.action === 'local' ? localDisk : (c.image ?? '');
}

/**
 * ChoicesPanel sets what machines boot: the default for every machine and per architecture (a
 * machine boots its architecture's default, else the one for every machine), and overrides per MAC
 * (image or local disk, with an optional hostname), and the extra kernel options.
 */
export function ChoicesPanel() {
  const bridge = useBridge();
  const choices = useCall('boot.choices', {});
  const images = useCall('images.list', {});
  const options = useMemo(() => bootableImages(images.data ?? []), [images.data]);
  const [error, setError] = useState<ApiError | undefined>();
  const [mac, setMac] = useState('');
  const [target, setTarget] = useState('');
  const [hostname, setHostname] = useState('');

  const run = async (fn: () => Promise<unknown>): Promise<boolean> => {
    setError(undefined);
    try {
      await fn();
      choices.reload();
      return true;
    } catch (e) {
      if (e instanceof CallError) setError(e.error);
      else throw e;
      return false;
    }
  };
  const set = (m: string, value: string, host?: string): Promise<boolean> =>
    run(() =>
      call(bridge, 'boot.setChoice', {
        mac: m,
        ...(value === localDisk
          ? { action: 'local' as const }
          : { action: 'image' as const, image: value }),
        ...(host === undefined || host === '' ? {} : { hostname: host }),
      }),
    );
  const addOverride = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (await set(mac.trim(), target || (options[0] ?? localDisk), hostname.trim())) {
      setMac('');
      setHostname('');
    }
  };

  const byMac = choices.data ?? [];
  const fallback = byMac.find((c) => c.mac === DEFAULT_CHOICE_MAC);
  const perArch = archDefaults(byMac, options);
  const overrides = byMac.filter(
    (c) => c.mac !== DEFAULT_CHOICE_MAC && archOfDefaultKey(c.mac) === undefined,
  );
  const targetOptions = (
    <>
      {options.map((o) => (
        <option key={o} value={o}>
          {o}
        </option>
      ))}
      <option value={localDisk}>Local disk (skip network boot)</option>
    </>
  );

  return (
    <section aria-labelledby="choices-title" className="panel">
      <h2 id="choices-title">What machines boot</h2>
      {choices.error !== undefined && <ErrorNotice error={choices.error} />}
      {error !== undefined && <ErrorNotice error={error} />}
      {choices.data === undefined && choices.loading && <Busy reason="Reading boot choices…" />}
      {images.data !== undefined && options.length === 0 && (
        <p className="notice notice-warn">
          No image is stored yet, so machines can only be sent to their local disk. Sync one on the{' '}
          <a href="#/images">Images</a> screen.
        </p>
      )}
      <div className="toolbar">
        <label className="field inline">
          <span>Default for every machine</span>
          <select
            value={
              fallback === undefined
                ? ''
                : fallback.action === 'local'
                  ? localDisk
                  : (fallback.image ?? '')
            }
            onChange={(e) => void set(DEFAULT_CHOICE_MAC, e.target.value)}
          >
            {fallback === undefined && <option value="">Choose…</option>}
            {targetOptions}
          </select>
        </label>
        <span className="hint">Machines without an override boot {describe(fallback)}.</span>
      </div>
      {perArch.map((d) => (
        <div className="toolbar" key={d.key}>
          <label className="field inline">
            <span>Default for {d.arch} machines</span>
            <select
              value={selectValue(d.choice)}
              onChange={(e) =>
                void (e.target.value === ''
                  ? run(() => call(bridge, 'boot.removeChoice', { mac: d.key }))
                  : set(d.key, e.target.value))
              }
            >
              <option value="">Same as every machine</option>
              {d.images.map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
              <option value={localDisk}>Local disk (skip network boot)</option>
            </select>
          </label>
          <span className="hint">
            {d.arch} machines without an override boot {describe(d.choice ?? fallback)}.
          </span>
        </div>
      ))}
      <h3 className="subhead">Per-machine overrides</h3>
      {overrides.length > 0 && (
        <table className="table compact">
          <caption className="visually-hidden">Per-machine overrides</caption>
          <thead>
            <tr>
              <th scope="col">MAC</th>
              <th scope="col">Boots</th>
              <th scope="col">Hostname</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {overrides.map((c) => (
              <tr key={c.mac}>
                <th scope="row">
                  <code>{c.mac}</code>
                </th>
                <td>{describe(c)}</td>
                <td>{c.hostname ?? '—'}</td>
                <td className="actions">
                  <button
                    type="button"
                    aria-label={`Remove override for ${c.mac}`}
                    onClick={() =>
                      void run(() => call(bridge, 'boot.removeChoice', { mac: c.mac }))
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
      <form className="toolbar" onSubmit={(e) => void addOverride(e)}>
        <label className="field inline">
          <span>MAC</span>
          <input
            value={mac}
            onChange={(e) => setMac(e.target.value)}
            placeholder="52:54:00:12:34:56"
            required
            size={18}
          />
        </label>
        <label className="field inline">
          <span>Boots</span>
          <select value={target} onChange={(e) => setTarget(e.target.value)}>
            {targetOptions}
          </select>
        </label>
        <label className="field inline">
          <span>Hostname</span>
          <input value={hostname} onChange={(e) => setHostname(e.target.value)} size={14} />
        </label>
        <button type="submit" disabled={mac.trim() === ''}>
          Add override
        </button>
      </form>
      <KernelOptionsSection />
    </section>
  );
}
