import type { Services } from '../../services';
import { systemHandlers } from './system';
import { sourcesHandlers } from './sources';
import { imagesHandlers } from './images';
import { manifestsHandlers } from './manifests';
import { esxiHandlers } from './esxi';
import { bootHandlers } from './boot';
import { machinesHandlers } from './machines';
import { adminHandlers } from './admin';
import { storeHandlers } from './store';
import { mirrorHandlers } from './mirror';
import { deployHandlers } from './deploy';
import { testbootHandlers } from './testboot';
import type { Handlers } from './types';

/** createHandlers merges every domain's handlers; a missing call is a compile error here. */
export function createHandlers(services: Services): Handlers {
  return {
    ...systemHandlers(services),
    ...sourcesHandlers(services),
    ...imagesHandlers(services),
    ...manifestsHandlers(services),
    ...esxiHandlers(),
    ...bootHandlers(services),
    ...machinesHandlers(services),
    ...adminHandlers(services),
    ...storeHandlers(services),
    ...mirrorHandlers(services),
    ...deployHandlers(services),
    ...testbootHandlers(services),
  };
}
