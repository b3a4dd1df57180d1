import type { NetworkInterface, SystemInfo } from '../src-shared/contract/system';
import { listInterfaces } from './net/interfaces';
import { appVersion } from './version';

export type FrontDoor = SystemInfo['frontDoor'];

export interface SystemServiceOptions {
  dataDir: string;
  databasePath: string;
  frontDoor: FrontDoor;
}

/** SystemService answers questions about this LabBoot process and the machine's NICs. */
export class SystemService {
  private readonly startedAt = new Date().toISOString();

  constructor(private readonly options: SystemServiceOptions) {}

  info(): SystemInfo {
    return {
      version: appVersion(),
      dataDir: this.options.dataDir,
      databasePath: this.options.databasePath,
      platform: `${process.platform}-${process.arch}`,
      frontDoor: this.options.frontDoor,
      startedAt: this.startedAt,
    };
  }

  interfaces(): NetworkInterface[] {
    return listInterfaces();
  }
}
