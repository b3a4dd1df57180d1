import { mirrorStreamPath, type MirrorStatus } from '../../../src-shared/contract/mirror';
import type { Services } from '../../services';
import type { HandlersFor } from './types';

/** mirrorUrl is the boot source URL a MAAS would use while the boot server runs, else null. */
function mirrorUrl(services: Services, stream: string | undefined): string | null {
  const status = services.boot.status();
  const http = status.parts.find((p) => p.name === 'http' && p.state === 'running');
  if (!status.running || http === undefined || stream === undefined) return null;
  const host = http.address.includes(':') ? `[${http.address}]` : http.address;
  return `http://${host}:${http.port ?? ''}${mirrorStreamPath(stream)}`;
}

async function status(services: Services): Promise<MirrorStatus> {
  const s = await services.mirror.status();
  return { ...s, url: mirrorUrl(services, s.streams[0]?.name) };
}

/** mirrorHandlers serve the mirror's status, signing mode, key and export. */
export function mirrorHandlers(
  services: Services,
): HandlersFor<'mirror.status' | 'mirror.setMode' | 'mirror.key' | 'mirror.export'> {
  const { mirror, events } = services;
  return {
    'mirror.status': () => status(services),
    'mirror.setMode': (input) => {
      mirror.setMode(input.mode);
      return status(services);
    },
    'mirror.key': async () => {
      const key = await mirror.key();
      return { armored: key.publicArmored, fingerprint: key.fingerprint };
    },
    'mirror.export': (input) =>
      mirror.export({
        dir: input.dir,
        mode: input.mode ?? mirror.mode(),
        images: input.images,
        onEvent: (e) => {
          if (e.event === 'progress') {
            events.emit('mirror.exportProgress', {
              bytes: e.bytes,
              total: e.total,
              dir: input.dir,
            });
          } else if (e.event === 'done') {
            events.emit('mirror.exportProgress', {
              bytes: e.bytes,
              total: e.bytes,
              dir: input.dir,
            });
          }
        },
      }),
  };
}
