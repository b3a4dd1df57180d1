import { z } from 'zod';
import { defineCall } from './define';
import { esxiNicSchema, esxiPreviewSchema } from '../esxi/schema';
import { MAX_CONFIG_BYTES } from '../esxi/preview';

/** Calls about previewing what the MAAS ESXi image does with a network config. */
export const esxiCalls = {
  'esxi.preview': defineCall({
    summary:
      'The esxcli commands, warnings, exit status and plan of the MAAS ESXi first-boot network script for a curtin network config (v1 YAML).',
    input: z
      .object({
        /** The whole curtin config or just its `network` section, as YAML text. */
        yaml: z.string().max(MAX_CONFIG_BYTES),
        /** The host's NICs; omitted: one vmnic per physical entry in config order. */
        nics: z.array(esxiNicSchema).optional(),
      })
      .strict(),
    output: esxiPreviewSchema,
  }),
};

/** The ESXi preview pushes no events. */
export const esxiEvents = {};
