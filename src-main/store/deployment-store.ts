/**
 * DeploymentStore keeps each MAC's deploy state (table `deployments`): what it is to be given on
 * its next network boot, and what its installer last reported.
 */
import type { Database } from './database';
import { writeTransaction } from './write-transaction';
import type { ImageKind } from '../../src-shared/deploy/image-kinds';

/** States a deployment row can be in (`new` and `ephemeral` come from the boot log alone). */
export type DeploymentState = 'deploying' | 'deployed' | 'failed' | 'released';

/** One deployment row. Times are epoch milliseconds. */
export interface Deployment {
  readonly mac: string;
  readonly state: DeploymentState;
  /** marked, started, writing, verifying, rebooting, erasing, done. */
  readonly phase: string;
  readonly image: string | null;
  readonly sha256: string | null;
  readonly kind: ImageKind | null;
  readonly imageSize: number | null;
  readonly diskBytes: number | null;
  readonly disk: string;
  readonly erase: boolean;
  readonly token: string | null;
  readonly bytes: number;
  readonly total: number;
  readonly error: string | null;
  readonly updatedAt: number;
  readonly reportedAt: number | null;
  readonly deployedAt: number | null;
}

interface Row {
  mac: string;
  state: string;
  phase: string;
  image: string | null;
  sha256: string | null;
  kind: string | null;
  image_size: number | null;
  disk_bytes: number | null;
  disk: string;
  erase: number;
  token: string | null;
  bytes: number;
  total: number;
  error: string | null;
  updated_at: number;
  reported_at: number | null;
  deployed_at: number | null;
}

const toDeployment = (r: Row): Deployment => ({
  mac: r.mac,
  state: r.state as DeploymentState,
  phase: r.phase,
  image: r.image,
  sha256: r.sha256,
  kind: r.kind as ImageKind | null,
  imageSize: r.image_size,
  diskBytes: r.disk_bytes,
  disk: r.disk,
  erase: r.erase === 1,
  token: r.token,
  bytes: r.bytes,
  total: r.total,
  error: r.error,
  updatedAt: r.updated_at,
  reportedAt: r.reported_at,
  deployedAt: r.deployed_at,
});

/** DeploymentStore reads and writes `deployments`. */
export class DeploymentStore {
  constructor(private readonly db: Database) {}

  get(mac: string): Deployment | undefined {
    const row = this.db.prepare('SELECT * FROM deployments WHERE mac = ?').get(mac) as
      | Row
      | undefined;
    return row === undefined ? undefined : toDeployment(row);
  }

  list(): Deployment[] {
    return (this.db.prepare('SELECT * FROM deployments ORDER BY mac').all() as Row[]).map(
      toDeployment,
    );
  }

  /** put replaces the whole row of `d.mac`. */
  put(d: Deployment): Deployment {
    writeTransaction(this.db, () =>
      this.db
        .prepare(
          `INSERT OR REPLACE INTO deployments
             (mac, state, phase, image, sha256, kind, image_size, disk_bytes, disk, erase, token,
              bytes, total, error, updated_at, reported_at, deployed_at)
           VALUES (@mac, @state, @phase, @image, @sha256, @kind, @imageSize, @diskBytes, @disk,
              @erase, @token, @bytes, @total, @error, @updatedAt, @reportedAt, @deployedAt)`,
        )
        .run({ ...d, erase: d.erase ? 1 : 0 }),
    );
    return d;
  }

  /**
   * update changes the row of `mac` with `change` inside one write transaction, so two processes
   * (the serving one taking reports, a CLI releasing) never lose each other's write.
   */
  update(
    mac: string,
    change: (current: Deployment | undefined) => Deployment | undefined,
  ): Deployment | undefined {
    return writeTransaction(this.db, () => {
      const next = change(this.get(mac));
      if (next !== undefined) this.put(next);
      return next;
    });
  }

  /** remove deletes the row of `mac` (a throwaway test boot VM's). */
  remove(mac: string): void {
    writeTransaction(this.db, () =>
      this.db.prepare('DELETE FROM deployments WHERE mac = ?').run(mac),
    );
  }

  /** The MAC whose deploy under way writes this image, if any. */
  deployingWith(image: string): string | undefined {
    const row = this.db
      .prepare(`SELECT mac FROM deployments WHERE state = 'deploying' AND image = ? LIMIT 1`)
      .get(image) as { mac: string } | undefined;
    return row?.mac;
  }
}
