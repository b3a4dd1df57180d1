import { Command } from 'commander';
import type { CliContext, GlobalOptions } from './context';
import { registerConsole } from './commands/console';
import { registerInterfaces } from './commands/interfaces';
import { registerStart } from './commands/start';
import { registerSources } from './commands/sources';
import { registerCatalog } from './commands/catalog';
import { registerSelect } from './commands/select';
import { registerSync } from './commands/sync';
import { registerImages } from './commands/images';
import { registerManifest } from './commands/manifest';
import { registerEsxi } from './commands/esxi';
import { registerServe } from './commands/serve';
import { registerLeases } from './commands/leases';
import { registerLog } from './commands/log';
import { registerConfig } from './commands/config';
import { registerService } from './commands/service';
import { registerStore } from './commands/store';
import { registerSettings } from './commands/settings';
import { registerSchedule } from './commands/schedule';
import { registerMirror } from './commands/mirror';
import { registerDeploy } from './commands/deploy';
import { registerTestboot } from './commands/testboot';
import { appVersion } from '../version';

/** buildProgram declares every `labboot` command; each command group lives in `commands/`. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('labboot')
    .description('LabBoot: network-boot images and PXE serving for the home lab')
    .version(appVersion(), '-V, --version')
    .option(
      '--data <DIR>',
      'data folder (store + images); default: $LABBOOT_DATA or the per-user app-data folder',
    )
    .option('--json', 'machine-readable output on stdout')
    .showHelpAfterError('(run labboot --help for usage)')
    .allowExcessArguments(false);
  registerStart(program, ctx);
  registerConsole(program, ctx);
  registerInterfaces(program, ctx);
  registerSources(program, ctx);
  registerCatalog(program, ctx);
  registerSelect(program, ctx);
  registerSync(program, ctx);
  registerImages(program, ctx);
  registerManifest(program, ctx);
  registerEsxi(program, ctx);
  registerServe(program, ctx);
  registerLeases(program, ctx);
  registerLog(program, ctx);
  registerConfig(program, ctx);
  registerService(program, ctx);
  registerStore(program, ctx);
  registerSettings(program, ctx);
  registerSchedule(program, ctx);
  registerMirror(program, ctx);
  registerDeploy(program, ctx);
  registerTestboot(program, ctx);
  return program;
}

/** readGlobals returns the parsed global options of a built program. */
export function readGlobals(program: Command): GlobalOptions {
  return program.opts<GlobalOptions>();
}
