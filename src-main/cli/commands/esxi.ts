import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { UserError } from '../../../src-shared/errors';
import {
  MAX_CONFIG_BYTES,
  parseNicsJson,
  previewEsxiNetwork,
  renderPreviewText,
} from '../../../src-shared/esxi/index';
import type { CliContext } from '../context';

async function readInput(path: string, what: string): Promise<string> {
  try {
    const buffer = await readFile(path);
    if (buffer.length > MAX_CONFIG_BYTES) {
      throw new UserError(
        `${what} ${path} is larger than ${MAX_CONFIG_BYTES / 1024 / 1024} MiB, far beyond any MAAS network config; pass the curtin config or its network section.`,
      );
    }
    return buffer.toString('utf8');
  } catch (error) {
    if (error instanceof UserError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new UserError(
      `cannot read ${what} ${path} (${code}); check the path and its permissions.`,
    );
  }
}

/** registerEsxi adds `labboot esxi preview NETWORK.yaml [--nics NICS.json]` (shared/spec/cli.md). */
export function registerEsxi(program: Command, ctx: CliContext): void {
  const esxi = program
    .command('esxi')
    .description('what the MAAS ESXi image does with a machine network config');
  esxi
    .command('preview')
    .description(
      'show the vSwitches, port groups, vmks, routes, DNS and warnings the MAAS ESXi first-boot script produces for a curtin network config',
    )
    .argument('<NETWORK.yaml>', 'the whole curtin config, or just its network section (version 1)')
    .option(
      '--nics <NICS.json>',
      'host NICs as [{"name":"vmnic0","mac":"…"}]; default: one per physical entry',
    )
    .action(async (file: string, opts: { nics?: string }) => {
      // Pure computation on files: no store is opened.
      const yaml = await readInput(file, 'the network config');
      const nics =
        opts.nics === undefined
          ? undefined
          : parseNicsJson(await readInput(opts.nics, 'the NIC inventory'), basename(opts.nics));
      const preview = previewEsxiNetwork(yaml, { nics, fileLabel: basename(file) });
      ctx.output(() => renderPreviewText(preview), preview);
    });
}
