import type { Services } from '../../services';
import type { HandlersFor } from './types';

/** manifestsHandlers answers from stored manifests only; no network. */
export function manifestsHandlers(
  services: Services,
): HandlersFor<'manifests.show' | 'manifests.search' | 'manifests.diff'> {
  const m = services.manifests;
  return {
    'manifests.show': (input) => {
      const { ref, entries } = m.show(input.image);
      return {
        image: ref.image,
        version: ref.version,
        packages: entries.map((e) => ({
          package: e.arch === '' ? e.name : `${e.name}:${e.arch}`,
          pkgVersion: e.version,
        })),
      };
    },
    'manifests.search': (input) => m.search(input.term),
    'manifests.diff': (input) => m.diff(input.a, input.b),
  };
}
