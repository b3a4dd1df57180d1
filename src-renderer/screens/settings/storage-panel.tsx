import { useEffect, useState } from 'react';
import { call, CallError, useBridge, useCall } from '../../lib/api';
import { ErrorNotice } from '../../components/error-notice';
import { Busy } from '../../components/busy';
import type { ApiError } from '../../../src-shared/contract/result';
import { storeSettingsSchema, type StoreSettings } from '../../../src-shared/contract/store';
import { StoreCheck } from './store-check';

interface FieldSpec {
  field: keyof StoreSettings;
  label: string;
  hint: string;
}

const fields: FieldSpec[] = [
  {
    field: 'imagesKeep',
    label: 'Versions kept per image',
    hint: 'Each sync keeps this many of the newest versions and deletes older ones.',
  },
  {
    field: 'historyDays',
    label: 'History kept (days)',
    hint: 'Older sync runs and boot events are pruned at start and after each sync.',
  },
  {
    field: 'historyEvents',
    label: 'History kept (events)',
    hint: "At most this many sync events and boot events; every machine's newest boot is kept.",
  },
];

/** bounds reads a setting's allowed range from the contract, so the inputs match the service. */
function bounds(field: keyof StoreSettings): { min: number; max: number } {
  const schema = storeSettingsSchema.shape[field];
  return { min: schema.minValue ?? 0, max: schema.maxValue ?? Number.MAX_SAFE_INTEGER };
}

/**
 * StoragePanel edits the storage settings (versions kept per image, history kept) and checks the
 * stored files.
 */
export function StoragePanel() {
  const bridge = useBridge();
  const loaded = useCall('store.settings', {});
  const [draft, setDraft] = useState<Record<keyof StoreSettings, string> | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    const d = loaded.data;
    if (d !== undefined) {
      setDraft({
        imagesKeep: String(d.imagesKeep),
        historyDays: String(d.historyDays),
        historyEvents: String(d.historyEvents),
      });
    }
  }, [loaded.data]);
  const save = async (): Promise<void> => {
    if (draft === undefined) return;
    setError(undefined);
    setSaved(false);
    const change: Partial<StoreSettings> = {};
    for (const { field, label } of fields) {
      const { min, max } = bounds(field);
      const n = Number(draft[field]);
      if (!/^\d+$/.test(draft[field].trim()) || n < min || n > max) {
        setError({
          code: 'usage',
          message: `${label} must be a whole number from ${min} to ${max}.`,
        });
        return;
      }
      change[field] = n;
    }
    try {
      await call(bridge, 'store.setSettings', change);
      setSaved(true);
    } catch (e) {
      if (e instanceof CallError) setError(e.error);
      else throw e;
    }
  };
  return (
    <section aria-labelledby="storage-title" className="panel">
      <h2 id="storage-title">Storage</h2>
      <p className="lead">
        How many versions of each image the sync keeps, how much sync and boot history is kept, and
        whether the stored files are still whole.
      </p>
      {loaded.error !== undefined && <ErrorNotice error={loaded.error} />}
      {draft === undefined ? (
        loaded.error === undefined && <Busy reason="Reading the storage settings…" />
      ) : (
        <form
          className="form"
          // The service's bounds are checked below, with a sentence instead of a browser bubble.
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          {fields.map(({ field, label, hint }) => (
            <label key={field} className="field">
              <span>{label}</span>
              <input
                type="number"
                inputMode="numeric"
                style={{ maxWidth: '10em' }}
                {...bounds(field)}
                value={draft[field]}
                aria-describedby={`${field}-hint`}
                onChange={(e) => {
                  setSaved(false);
                  setDraft({ ...draft, [field]: e.target.value });
                }}
              />
              <span id={`${field}-hint`} className="hint">
                {hint}
              </span>
            </label>
          ))}
          {error !== undefined && <ErrorNotice error={error} />}
          <div className="form-actions">
            <button type="submit" className="primary">
              Save storage settings
            </button>
            {saved && (
              <span className="hint" role="status">
                Saved.
              </span>
            )}
          </div>
        </form>
      )}
      <StoreCheck />
    </section>
  );
}
