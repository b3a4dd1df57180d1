/**
 * VmRecord notes in the store which MACs test boots are using, with their process, so that a
 * test boot whose process was killed (its VM's own boot choice and kernel option left behind) is
 * tidied up by the next test boot on this host.
 */
import type { SettingsStore } from '../store/settings-store';

/** Settings key of the test boot VMs under way. */
export const TEST_BOOT_VMS_SETTING = 'testboot.vms';

interface VmEntry {
  mac: string;
  pid: number;
  host: string;
}

function isEntry(value: unknown): value is VmEntry {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Record<string, unknown>;
  return typeof e.mac === 'string' && typeof e.pid === 'number' && typeof e.host === 'string';
}

/** VmRecord reads and writes the list. */
export class VmRecord {
  constructor(
    private readonly settings: Pick<SettingsStore, 'get' | 'set'>,
    private readonly host: string,
    private readonly isAlive: (pid: number) => boolean,
  ) {}

  /** add notes that `pid` test-boots a VM with `mac`. */
  add(mac: string, pid: number): void {
    this.settings.set(TEST_BOOT_VMS_SETTING, [...this.entries(), { mac, pid, host: this.host }]);
  }

  /** remove drops the note of `mac`. */
  remove(mac: string): void {
    this.settings.set(
      TEST_BOOT_VMS_SETTING,
      this.entries().filter((e) => e.mac !== mac),
    );
  }

  /** abandoned returns the MACs of test boots on this host whose process is gone, and forgets them. */
  abandoned(): string[] {
    const entries = this.entries();
    const gone = entries.filter((e) => e.host === this.host && !this.isAlive(e.pid));
    if (gone.length > 0)
      this.settings.set(
        TEST_BOOT_VMS_SETTING,
        entries.filter((e) => !gone.includes(e)),
      );
    return gone.map((e) => e.mac);
  }

  private entries(): VmEntry[] {
    const value = this.settings.get<unknown>(TEST_BOOT_VMS_SETTING);
    return Array.isArray(value) ? value.filter(isEntry) : [];
  }
}
