import { settingsMigration } from './001-settings';
import { regionStoreMigration } from './100-region-store';
import { versionSourceMigration } from './101-version-source';
import { manifestSpeedMigration } from './102-manifest-speed';
import { pendingRemovalsMigration } from './103-pending-removals';
import { versionIncompleteMigration } from './104-version-incomplete';
import { streamMetadataMigration } from './105-stream-metadata';
import { bootChoicesMigration } from './200-boot-choices';
import { catalogueGenerationMigration } from './210-catalogue-generation';
import { bootServersMigration } from './220-boot-servers';
import { bootKernelOptionsMigration } from './240-boot-kernel-options';
import { bootServerHttpPortMigration } from './250-boot-server-http-port';
import { dhcpLeasesMigration } from './300-dhcp-leases';
import { bootEventsMigration } from './301-boot-events';
import { dhcpReservationsMigration } from './302-dhcp-reservations';
import { bootEventPathMigration } from './303-boot-event-path';
import { customImagesMigration } from './400-custom-images';
import { deploymentsMigration } from './410-deployments';
import type { Migration } from './types';

/** migrations lists every schema step; order of this array does not matter, ids do. */
export const migrations: readonly Migration[] = [
  settingsMigration,
  regionStoreMigration,
  versionSourceMigration,
  manifestSpeedMigration,
  pendingRemovalsMigration,
  versionIncompleteMigration,
  streamMetadataMigration,
  bootChoicesMigration,
  catalogueGenerationMigration,
  bootServersMigration,
  bootKernelOptionsMigration,
  bootServerHttpPortMigration,
  dhcpLeasesMigration,
  bootEventsMigration,
  dhcpReservationsMigration,
  bootEventPathMigration,
  customImagesMigration,
  deploymentsMigration,
];
