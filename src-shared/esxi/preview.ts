/**
 * previewEsxiNetwork answers "what will the MAAS ESXi image do with this network config": the
 * esxcli commands its first-boot script runs after wiping the installer's network, its warning
 * lines, its exit status, and a plan for people where every element points at its input item.
 */
import { UserError } from '../errors';
import { nicListText } from './host-model';
import { defaultNics } from './nics';
import type { EsxiNic, EsxiPreview } from './schema';
import { runScript } from './script-run';
import { loadNetworkYaml } from './yaml-load';

/** The script revision the preview reproduces (the logic lives in the image, not in MAAS). */
export const MODELLED_SCRIPT = {
  repository: 'canonical/packer-maas',
  path: 'vmware-esxi/maas/netplan-esxi',
  commit: '73dd146ac56b5b53c93afdb1efe7d40ae64b3420',
  sha256: '5e10da829ca3b3128cb6367108a9fb049213a2d7201fc3675e1a19e88c30bc5b',
} as const;

/** Larger inputs are refused: a MAAS network config is a few kilobytes. */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

export interface EsxiPreviewOptions {
  /** The host's NICs; default: one vmnic per physical entry in config order. */
  readonly nics?: readonly EsxiNic[] | undefined;
  /** How to name the input in error messages, e.g. the file name. */
  readonly fileLabel?: string | undefined;
}

/**
 * previewEsxiNetwork never throws for YAML that PyYAML would load; text it would refuse throws a
 * UserError naming the line.
 */
export function previewEsxiNetwork(
  yamlText: string,
  options: EsxiPreviewOptions = {},
): EsxiPreview {
  const label = options.fileLabel ?? 'the network config';
  if (yamlText.length > MAX_CONFIG_BYTES) {
    throw new UserError(
      `${label} is larger than ${MAX_CONFIG_BYTES / 1024 / 1024} MiB, far beyond any MAAS network config; pass the curtin config or its network section.`,
      'esxi-too-large',
    );
  }
  const loaded = loadNetworkYaml(yamlText, label);
  const nics = options.nics ? [...options.nics] : defaultNics(loaded.value);
  const { exit, recorder, abort } = runScript(loaded, nicListText(nics));
  return {
    commands: recorder.commands,
    warnings: recorder.warnings,
    exit,
    plan: {
      model: { ...MODELLED_SCRIPT },
      nics,
      nicsFrom: options.nics ? 'inventory' : 'config',
      ...recorder.plan,
      abort,
    },
    dropped: recorder.dropped,
  };
}
