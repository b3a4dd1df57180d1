import type { Services } from '../../services';
import type { HandlersFor } from './types';

/** adminHandlers serve the log file's tail, the configuration backup and the sync schedule. */
export function adminHandlers(
  services: Services,
): HandlersFor<
  'system.logTail' | 'config.export' | 'config.import' | 'sync.schedule' | 'sync.setSchedule'
> {
  return {
    'system.logTail': (input) => ({
      path: services.logFile.path,
      lines: services.logFile.tail(input.lines ?? 200),
    }),
    'config.export': () => services.configBackup.export(),
    'config.import': (input) =>
      services.configBackup.import(input.document, { dryRun: input.dryRun }),
    'sync.schedule': () => services.schedule.schedule(),
    'sync.setSchedule': (input) => services.schedule.setInterval(input.interval),
  };
}
