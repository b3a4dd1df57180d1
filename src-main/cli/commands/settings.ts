import type { Command } from 'commander';
import { storeSettingKeys, type StoreSettings } from '../../../src-shared/contract/store';
import type { CliContext } from '../context';
import { formatTable } from '../table';
import { parseStoreSetting } from '../../store/store-settings';

function table(s: StoreSettings): string {
  return formatTable(
    ['SETTING', 'VALUE'],
    Object.entries(storeSettingKeys).map(([key, field]) => [key, String(s[field])]),
  );
}

/** registerSettings adds `labboot settings` and `labboot settings set KEY VALUE`. */
export function registerSettings(program: Command, ctx: CliContext): void {
  const settings = program
    .command('settings')
    .description('storage settings: images.keep (versions per image), history.days, history.events')
    .action(() =>
      ctx.withServices(async (services) => {
        const s = services.upkeep.settings();
        ctx.output(() => table(s), s);
      }),
    );
  settings
    .command('set')
    .description('change one setting, e.g. labboot settings set images.keep 3')
    .argument('<KEY>', Object.keys(storeSettingKeys).join(', '))
    .argument('<VALUE>', 'a whole number')
    .action((key: string, value: string) =>
      ctx.withServices(async (services) => {
        const s = services.upkeep.setSettings(parseStoreSetting(key, value));
        ctx.output(() => table(s), s);
      }),
    );
}
