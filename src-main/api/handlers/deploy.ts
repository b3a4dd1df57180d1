import type { Services } from '../../services';
import type { HandlersFor } from './types';

/** deployHandlers serves custom images and the deploy cycle. */
export function deployHandlers(
  services: Services,
): HandlersFor<
  | 'deploy.images'
  | 'deploy.importImage'
  | 'deploy.deleteImage'
  | 'deploy.machines'
  | 'deploy.start'
  | 'deploy.release'
> {
  const { deploy } = services;
  return {
    'deploy.images': () => deploy.listImages(),
    'deploy.importImage': (input) => deploy.importImage(input),
    'deploy.deleteImage': (input) => deploy.deleteImage(input.name),
    'deploy.machines': () => deploy.machines(),
    'deploy.start': (input) => deploy.deploy(input.mac, input.image, input.disk),
    'deploy.release': (input) => deploy.release(input.mac, input.erase),
  };
}
