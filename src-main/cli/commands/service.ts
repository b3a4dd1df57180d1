import { realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Option, type Command } from 'commander';
import type { CliContext } from '../context';
import { bootLastStartSchema } from '../../../src-shared/contract/boot';
import { LAST_START_SETTING } from '../../boot/boot-service';
import {
  defaultScope,
  planService,
  removeUnit,
  requireLinux,
  unitDirFor,
  writeUnit,
  type ServiceHost,
} from '../../service/service-install';
import { UNIT_NAME } from '../../service/systemd-unit';

interface ScopeOptions {
  user?: boolean;
  system?: boolean;
  unitDir?: string;
}

function host(): ServiceHost {
  return {
    platform: process.platform,
    env: process.env,
    home: homedir(),
    uid: process.getuid?.() ?? -1,
  };
}

function scopeOf(opts: ScopeOptions): 'system' | 'user' | undefined {
  return opts.system === true ? 'system' : opts.user === true ? 'user' : undefined;
}

/** labbootScript is the script this process runs (bin/labboot.mjs, links resolved). */
function labbootScript(): string {
  const argv1 = process.argv[1];
  try {
    if (argv1 !== undefined) return realpathSync(argv1);
  } catch {
    // fall back to the script next to this bundle
  }
  return fileURLToPath(new URL('../../bin/labboot.mjs', import.meta.url));
}

function scopeOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--user', 'a user unit (runs as you)').conflicts('system'))
    .addOption(new Option('--system', 'a system unit (unprivileged user + CAP_NET_BIND_SERVICE)'))
    .option('--unit-dir <DIR>', 'folder for the unit file (default: where systemd reads them)');
}

/** registerService adds `labboot service install|uninstall` (systemd, Linux only). */
export function registerService(program: Command, ctx: CliContext): void {
  const service = program
    .command('service')
    .description('run `labboot serve` headless as a systemd service (Linux)');
  scopeOptions(
    service
      .command('install')
      .description('write a systemd unit that serves on the interface and mode last used'),
  )
    .option('--print', 'print the unit instead of writing it')
    .option('--service-data <DIR>', "the service's data folder (default: its own state folder)")
    .action((opts: ScopeOptions & { print?: boolean; serviceData?: string }) =>
      ctx.withServices(async (services) => {
        const raw = services.settings.get<unknown>(LAST_START_SETTING);
        const parsed = bootLastStartSchema.safeParse(raw);
        const plan = planService(
          {
            scope: scopeOf(opts),
            unitDir: opts.unitDir,
            dataDir: opts.serviceData,
            execPath: process.execPath,
            script: labbootScript(),
            lastStart: parsed.success ? parsed.data : undefined,
          },
          host(),
        );
        if (opts.print === true) {
          ctx.output(plan.unit, plan);
          return;
        }
        await writeUnit(plan);
        const sc = plan.scope === 'user' ? 'systemctl --user' : 'sudo systemctl';
        const sudo = plan.scope === 'user' ? '' : 'sudo ';
        ctx.output(
          [
            `Wrote ${plan.unitPath}; the service keeps its data in ${plan.dataDir}.`,
            `Copy your configuration there and sync once: labboot config export labboot-config.json && ${sudo}labboot --data ${plan.dataDir} config import labboot-config.json && ${sudo}labboot --data ${plan.dataDir} sync`,
            `Then start it: ${sc} daemon-reload && ${sc} enable --now ${UNIT_NAME}`,
          ].join('\n'),
          plan,
        );
      }),
    );
  scopeOptions(
    service.command('uninstall').description('remove the unit (its data folder is kept)'),
  ).action(async (opts: ScopeOptions) => {
    const h = host();
    requireLinux(h.platform);
    const scope = scopeOf(opts) ?? defaultScope(h);
    const unitPath = `${opts.unitDir ?? unitDirFor(scope, h)}/${UNIT_NAME}`;
    const sc = scope === 'user' ? 'systemctl --user' : 'sudo systemctl';
    const removed = await removeUnit(unitPath);
    ctx.output(
      removed
        ? `Removed ${unitPath}. Stop it and forget it: ${sc} disable --now ${UNIT_NAME}; ${sc} daemon-reload`
        : `No LabBoot unit at ${unitPath}; nothing to remove.`,
      { unitPath, removed },
    );
  });
}
