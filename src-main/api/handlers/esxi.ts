import { previewEsxiNetwork } from '../../../src-shared/esxi/index';
import type { HandlersFor } from './types';

/** esxiHandlers serves `esxi.*`; the preview is pure, so it needs no service. */
export function esxiHandlers(): HandlersFor<'esxi.preview'> {
  return {
    'esxi.preview': (input) => previewEsxiNetwork(input.yaml, { nics: input.nics }),
  };
}
