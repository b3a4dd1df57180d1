/**
 * The storage settings (versions kept per image, history kept) in the settings table, one key
 * each (`images.keep`, `history.days`, `history.events`), so a configuration backup carries them.
 * A stored value out of bounds (an edited backup, say) reads as the default, never as a surprise.
 */
import {
  defaultStoreSettings,
  storeSettingKeys,
  storeSettingsSchema,
  type StoreSettingKey,
  type StoreSettings,
} from '../../src-shared/contract/store';
import { UserError } from '../../src-shared/errors';
import type { SettingsStore } from './settings-store';

const keys = Object.entries(storeSettingKeys) as [StoreSettingKey, keyof StoreSettings][];

/** readStoreSettings returns every storage setting, the default where none (or a bad one) is set. */
export function readStoreSettings(settings: SettingsStore): StoreSettings {
  const out: StoreSettings = { ...defaultStoreSettings };
  for (const [key, field] of keys) {
    const parsed = storeSettingsSchema.shape[field].safeParse(settings.get<unknown>(key));
    if (parsed.success) out[field] = parsed.data;
  }
  return out;
}

/** writeStoreSettings stores the given settings (already validated by the contract). */
export function writeStoreSettings(
  settings: SettingsStore,
  change: Partial<StoreSettings>,
): StoreSettings {
  for (const [key, field] of keys) {
    const value = change[field];
    if (value !== undefined) settings.set(key, value);
  }
  return readStoreSettings(settings);
}

/** isStoreSettingKey tells whether a name is one of the storage settings' keys. */
export function isStoreSettingKey(key: string): key is StoreSettingKey {
  return Object.hasOwn(storeSettingKeys, key);
}

/**
 * parseStoreSetting checks one `KEY VALUE` pair as people type it and returns the change, or a
 * UserError naming the keys or the allowed range.
 */
export function parseStoreSetting(key: string, value: string): Partial<StoreSettings> {
  if (!isStoreSettingKey(key)) {
    throw new UserError(
      `There is no setting "${key}"; the settings are ${Object.keys(storeSettingKeys).join(', ')}.`,
      'usage',
    );
  }
  const field = storeSettingKeys[key];
  const schema = storeSettingsSchema.shape[field];
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  const parsed = schema.safeParse(n);
  if (!parsed.success) {
    const { minValue, maxValue } = schema;
    throw new UserError(
      `${key} must be a whole number from ${minValue ?? 0} to ${maxValue ?? 'any'}, not "${value}".`,
      'usage',
    );
  }
  return { [field]: parsed.data };
}
