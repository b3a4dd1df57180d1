/**
 * ChoiceStore keeps per-MAC boot choices and the defaults for unknown machines (table boot_choices):
 * `default-<arch>` for machines of one architecture, then `default` for every architecture.
 */
import type { Database } from '../../store/database';
import { writeTransaction } from '../../store/write-transaction';
import {
  DEFAULT_CHOICE_MAC,
  archDefaultKey,
  defaultKeyArch,
  type BootChoice,
} from '../../../src-shared/boot/choices';
import { normalizeMac } from '../../../src-shared/boot/mac';
import { UserError } from '../../../src-shared/errors';

interface ChoiceRow {
  mac: string;
  action: 'image' | 'local';
  image: string | null;
  hostname: string | null;
  updated_at: string;
}

const toChoice = (r: ChoiceRow): BootChoice => ({
  mac: r.mac,
  action: r.action,
  image: r.image,
  hostname: r.hostname,
  updatedAt: r.updated_at,
});

/** Checks a MAC (or `default`) given by a person and returns its stored spelling. */
export function choiceKey(mac: string): string {
  if (mac === DEFAULT_CHOICE_MAC) return mac;
  const normal = normalizeMac(mac);
  if (normal === undefined) {
    throw new UserError(
      `"${mac}" is not a MAC address; write it as six hex pairs like 52:54:00:12:34:56, or use "default".`,
      'bad-mac',
    );
  }
  return normal;
}

/** storeKey is `choiceKey`, plus the per-architecture default keys (`default-arm64`). */
function storeKey(key: string): string {
  const lower = key.toLowerCase();
  return typeof defaultKeyArch(lower) === 'string' ? lower : choiceKey(key);
}

/** ChoiceStore reads and writes boot_choices. */
export class ChoiceStore {
  constructor(private readonly db: Database) {}

  /** Sets what `mac` (or `default`, or `default-<arch>`) boots. */
  set(
    mac: string,
    choice:
      | { action: 'image'; image: string; hostname?: string | null }
      | { action: 'local'; hostname?: string | null },
  ): BootChoice {
    const key = storeKey(mac);
    const image = choice.action === 'image' ? choice.image : null;
    // Read back in the same transaction, so the answer is this write and not a later one.
    return writeTransaction(this.db, () => {
      this.db
        .prepare(
          `INSERT INTO boot_choices (mac, action, image, hostname) VALUES (?, ?, ?, ?)
           ON CONFLICT(mac) DO UPDATE SET action = excluded.action, image = excluded.image,
             hostname = excluded.hostname, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
        )
        .run(key, choice.action, image, choice.hostname ?? null);
      const stored = this.get(key);
      if (stored === undefined) throw new Error('boot choice vanished after insert');
      return stored;
    });
  }

  /** The choice stored for exactly this key. */
  get(mac: string): BootChoice | undefined {
    const row = this.db.prepare('SELECT * FROM boot_choices WHERE mac = ?').get(storeKey(mac)) as
      | ChoiceRow
      | undefined;
    return row === undefined ? undefined : toChoice(row);
  }

  /**
   * The choice that applies to `mac`: its own, else the default for its architecture (Debian
   * name) when known, else the default for every architecture. When the architecture is not known
   * and there is no `default`, a sole per-architecture default applies (one `serve --boot`).
   */
  effective(mac: string | undefined, arch?: string): BootChoice | undefined {
    const own = mac === undefined ? undefined : this.get(mac);
    if (own !== undefined) return own;
    if (arch !== undefined) return this.get(archDefaultKey(arch)) ?? this.get(DEFAULT_CHOICE_MAC);
    const every = this.get(DEFAULT_CHOICE_MAC);
    if (every !== undefined) return every;
    const perArch = this.list().filter((c) => typeof defaultKeyArch(c.mac) === 'string');
    return perArch.length === 1 ? perArch[0] : undefined;
  }

  /** Removes a machine's own choice; it falls back to the default. Returns whether one existed. */
  remove(mac: string): boolean {
    const key = storeKey(mac);
    return writeTransaction(
      this.db,
      () => this.db.prepare('DELETE FROM boot_choices WHERE mac = ?').run(key).changes > 0,
    );
  }

  /** Every stored choice: `default` first, then the per-architecture defaults, then the MACs. */
  list(): BootChoice[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM boot_choices ORDER BY mac = 'default' DESC, mac LIKE 'default-%' DESC, mac`,
      )
      .all() as ChoiceRow[];
    return rows.map(toChoice);
  }
}
