/**
 * ESXi network configuration preview: what the MAAS ESXi image's first-boot script does with a
 * machine's curtin network config (see shared/spec/esxi.md and esxi-contract.md). Pure logic,
 * shared by the CLI, the API handler and the UI.
 */
export {
  previewEsxiNetwork,
  MODELLED_SCRIPT,
  MAX_CONFIG_BYTES,
  type EsxiPreviewOptions,
} from './preview';
export { parseNicsJson, defaultNics } from './nics';
export { renderPreviewText } from './render-text';
export * from './schema';
