import { UserError } from '../../../src-shared/errors';
import type { Services } from '../../services';
import { SourcesService, toBootSourceView } from '../../sync/sources-service';
import type { HandlersFor } from './types';

/** sourcesHandlers serves the `sources.*` calls; each answer carries the multi-source warning. */
export function sourcesHandlers(
  services: Services,
): HandlersFor<
  'sources.list' | 'sources.add' | 'sources.remove' | 'sources.catalog' | 'sources.setDefaultStream'
> {
  const s = services.sources;
  return {
    'sources.list': () => ({
      sources: s.effectiveSources().map(toBootSourceView),
      warning: s.warning(),
      unverified: s.unverifiedSources(),
      defaultStream: s.defaultStream(),
    }),
    'sources.setDefaultStream': async (input) => ({
      sources: (await s.useDefaultStream(input.stream)).map(toBootSourceView),
      defaultStream: input.stream,
    }),
    'sources.add': async (input) => {
      let keyring: Uint8Array | undefined;
      if (input.keyringBase64 !== undefined) {
        keyring = new Uint8Array(Buffer.from(input.keyringBase64, 'base64'));
        if (keyring.length === 0) {
          throw new UserError(
            'The keyring is empty; choose the OpenPGP key file of the source.',
            'bad-keyring',
          );
        }
      }
      const source = await s.add({
        url: input.url,
        name: input.name,
        keyring,
        keyringLabel: 'uploaded',
        verify: input.verify,
      });
      return { source: toBootSourceView(source), warning: s.warning() };
    },
    'sources.remove': (input) => ({
      removed: toBootSourceView(s.remove(input.source)),
      warning: s.warning(),
    }),
    'sources.catalog': async () => {
      const { catalogs, failures } = await s.readCatalogs();
      return {
        sources: catalogs.map((c) => ({
          source: toBootSourceView(c.source),
          products: SourcesService.catalogView(c),
        })),
        failures: failures.map((f) => ({
          sourceId: f.source.id,
          sourceName: f.source.name,
          message: f.error.message,
          code: f.error.code,
        })),
        warning: s.warning(),
      };
    },
  };
}
