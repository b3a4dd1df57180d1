/**
 * KernelOptionsStore keeps the admin's extra kernel options: the global ones in the settings table
 * (key `boot.kernelOptions`, so the backup's settings carry them) and each machine's own in table
 * boot_kernel_options. A machine's command line gets the global options, then its own.
 */
import type { Database } from '../../store/database';
import type { SettingsStore } from '../../store/settings-store';
import { writeTransaction } from '../../store/write-transaction';
import { DEFAULT_CHOICE_MAC } from '../../../src-shared/boot/choices';
import {
  KERNEL_OPTIONS_SETTING,
  kernelOptionsProblem,
  normalizeKernelOptions,
  splitKernelOptions,
} from '../../../src-shared/boot/kernel-options';
import type { KernelOptionsView } from '../../../src-shared/contract/boot';
import { UserError } from '../../../src-shared/errors';
import { choiceKey } from './choice-store';

export { KERNEL_OPTIONS_SETTING };

/** checkedKernelOptions returns the tidied options, or throws the UserError that says what is wrong. */
export function checkedKernelOptions(text: string): string {
  const problem = kernelOptionsProblem(text);
  if (problem !== null) throw new UserError(problem, 'bad-kernel-options');
  return normalizeKernelOptions(text);
}

/** KernelOptionsStore reads and writes the global and per-MAC extra kernel options. */
export class KernelOptionsStore {
  constructor(
    private readonly db: Database,
    private readonly settings: SettingsStore,
  ) {}

  /** The global options ('' when none; a damaged stored value counts as none). */
  global(): string {
    const value = this.settings.get<unknown>(KERNEL_OPTIONS_SETTING);
    return typeof value === 'string' && kernelOptionsProblem(value) === null ? value : '';
  }

  /** The options of exactly this machine ('' when it has none). */
  forMac(mac: string): string {
    const row = this.db
      .prepare('SELECT options FROM boot_kernel_options WHERE mac = ?')
      .get(choiceKey(mac)) as { options: string } | undefined;
    return row?.options ?? '';
  }

  /**
   * set stores the options of a machine, or the global ones for `default`; empty text removes
   * them. Throws UserError for a bad MAC or options that cannot go on a kernel command line.
   */
  set(mac: string, text: string): KernelOptionsView {
    const key = choiceKey(mac);
    const options = checkedKernelOptions(text);
    if (key === DEFAULT_CHOICE_MAC) {
      this.settings.set(KERNEL_OPTIONS_SETTING, options);
      return this.view();
    }
    writeTransaction(this.db, () => {
      if (options === '') {
        this.db.prepare('DELETE FROM boot_kernel_options WHERE mac = ?').run(key);
        return;
      }
      this.db
        .prepare(
          `INSERT INTO boot_kernel_options (mac, options) VALUES (?, ?)
           ON CONFLICT(mac) DO UPDATE SET options = excluded.options,
             updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
        )
        .run(key, options);
    });
    return this.view();
  }

  /** The global options and every machine's own, by MAC. */
  view(): KernelOptionsView {
    const machines = this.db
      .prepare('SELECT mac, options FROM boot_kernel_options ORDER BY mac')
      .all() as { mac: string; options: string }[];
    return { global: this.global(), machines };
  }

  /** The options a machine boots with: the global ones, then its own (none for an unknown MAC). */
  effective(mac: string | undefined): string[] {
    const own = mac === undefined ? '' : this.forMac(mac);
    return [...splitKernelOptions(this.global()), ...splitKernelOptions(own)];
  }
}
