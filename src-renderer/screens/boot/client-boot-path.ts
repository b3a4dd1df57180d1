import type { BootStep } from '../../../src-shared/boot/events';
import { bootPathLabels } from '../../../src-shared/boot/boot-path';

/**
 * clientBootPath is how the live log names the road a client took: the path of its newest step
 * that names one (a client may start on PXE and go on with iPXE), as `PXE/TFTP`, `HTTP Boot` or
 * `iPXE`; undefined while none is known.
 */
export function clientBootPath(steps: readonly BootStep[]): string | undefined {
  for (let i = steps.length - 1; i >= 0; i--) {
    const path = steps[i]?.bootPath;
    if (path !== undefined && path !== null) return bootPathLabels[path];
  }
  return undefined;
}
