/**
 * `labboot service install|uninstall`: where the systemd unit goes and what it says. The platform,
 * environment and paths come in as arguments so tests write the unit into a temp folder.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BootLastStart } from '../../src-shared/contract/boot';
import { UserError } from '../../src-shared/errors';
import { UNIT_NAME, systemdUnit } from './systemd-unit';

/** The machine the unit is for. */
export interface ServiceHost {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  home: string;
  /** Effective uid (root installs a system unit by default). */
  uid: number;
}

export interface ServicePlanInput {
  scope?: 'system' | 'user';
  unitDir?: string;
  dataDir?: string;
  execPath: string;
  script: string;
  lastStart: BootLastStart | undefined;
}

/** ServicePlan is the unit to write and where. */
export interface ServicePlan {
  scope: 'system' | 'user';
  unitPath: string;
  unit: string;
  /** The data folder the service uses. */
  dataDir: string;
}

/** requireLinux refuses other platforms in one sentence. */
export function requireLinux(platform: NodeJS.Platform): void {
  if (platform === 'linux') return;
  throw new UserError(
    platform === 'win32'
      ? 'LabBoot cannot run as a Windows service; run "labboot serve" in a console instead.'
      : `Installing a service needs systemd, which ${platform} does not have; on macOS write a launchd plist as the README shows.`,
    'service-platform',
  );
}

/** defaultScope is system for root and user for everyone else. */
export function defaultScope(host: ServiceHost): 'system' | 'user' {
  return host.uid === 0 ? 'system' : 'user';
}

/** unitDirFor is where systemd reads units of a scope. */
export function unitDirFor(scope: 'system' | 'user', host: ServiceHost): string {
  if (scope === 'system') return '/etc/systemd/system';
  const config = host.env.XDG_CONFIG_HOME || join(host.home, '.config');
  return join(config, 'systemd', 'user');
}

function stateDirFor(scope: 'system' | 'user', host: ServiceHost): string {
  if (scope === 'system') return '/var/lib/labboot';
  return join(host.env.XDG_STATE_HOME || join(host.home, '.local', 'state'), 'labboot');
}

/** planService builds the unit for the remembered start, or says why it cannot. */
export function planService(input: ServicePlanInput, host: ServiceHost): ServicePlan {
  requireLinux(host.platform);
  if (input.lastStart === undefined) {
    throw new UserError(
      'LabBoot has never served from this data folder, so there is no interface to put in the service; start serving once (labboot serve --interface NAME, or the Boot server screen), then install the service.',
      'service-no-start',
    );
  }
  const scope = input.scope ?? defaultScope(host);
  const unit = systemdUnit({
    scope,
    execPath: input.execPath,
    script: input.script,
    lastStart: input.lastStart,
    ...(input.dataDir === undefined ? {} : { dataDir: input.dataDir }),
  });
  return {
    scope,
    unitPath: join(input.unitDir ?? unitDirFor(scope, host), UNIT_NAME),
    unit,
    dataDir: input.dataDir ?? stateDirFor(scope, host),
  };
}

/** writeUnit writes the planned unit file. */
export async function writeUnit(plan: ServicePlan): Promise<void> {
  try {
    await mkdir(join(plan.unitPath, '..'), { recursive: true });
    await writeFile(plan.unitPath, plan.unit, { mode: 0o644 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new UserError(
      `Cannot write ${plan.unitPath} (${code}); ${plan.scope === 'system' ? 'a system unit needs root (sudo), or use --user' : 'check that the folder is writable'}.`,
      'service-write',
    );
  }
}

/** removeUnit deletes the unit file; returns false when there was none. */
export async function removeUnit(unitPath: string): Promise<boolean> {
  try {
    await rm(unitPath);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'ENOENT') return false;
    throw new UserError(
      `Cannot remove ${unitPath} (${code}); a system unit needs root (sudo).`,
      'service-write',
    );
  }
}
