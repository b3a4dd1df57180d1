/**
 * CatalogueCache keeps the stored images and bootloader folders in memory for the boot server, so
 * the hundreds of names GRUB and PXELINUX probe do not each read every resource, version and file
 * from SQLite. Each lookup first reads the store's catalogue generation (one row, bumped by trigger
 * on every publish and prune, from this process or another) and reads the catalogue again only
 * when it changed, so a sync that finishes while serving is seen by the very next request.
 */
import type { Database } from '../../store/database';
import type { BootImage, BootloaderFiles } from '../../store/boot-resources';
import type { BootCatalog } from './boot-resolver';

interface Snapshot {
  readonly generation: number;
  readonly images: BootImage[];
  readonly bootloaders: BootloaderFiles[];
  readonly found: Map<string, BootImage | undefined>;
}

/** catalogueGeneration returns a reader of the store's catalogue generation counter. */
export function catalogueGeneration(db: Database): () => number {
  const read = db.prepare('SELECT n FROM catalogue_generation WHERE id = 1').pluck();
  return () => read.get() as number;
}

/** CatalogueCache is a `BootCatalog` that re-reads its source only when the generation changes. */
export class CatalogueCache implements BootCatalog {
  private snapshot: Snapshot | undefined;

  constructor(
    private readonly source: BootCatalog,
    private readonly generation: () => number,
  ) {}

  listImages(): BootImage[] {
    return this.current().images;
  }

  listBootloaders(): BootloaderFiles[] {
    return this.current().bootloaders;
  }

  findImage(spec: string): BootImage | undefined {
    const snapshot = this.current();
    if (!snapshot.found.has(spec)) snapshot.found.set(spec, this.source.findImage(spec));
    return snapshot.found.get(spec);
  }

  private current(): Snapshot {
    // The generation is read before the catalogue: a publish in between only costs one more read.
    const generation = this.generation();
    if (this.snapshot?.generation !== generation) {
      this.snapshot = {
        generation,
        images: this.source.listImages(),
        bootloaders: this.source.listBootloaders(),
        found: new Map(),
      };
    }
    return this.snapshot;
  }
}
