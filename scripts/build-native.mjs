#!/usr/bin/env node
// Builds the Node-API helper that pins DHCP sockets to one NIC (src-main/boot/dhcp/native). It uses
// Linux's SO_BINDTODEVICE, so it is built on Linux only. A failed build does not fail `npm ci`:
// everything but DHCP serving works without it, and LabBoot says how to build it when DHCP starts
// (the tests that need it fail loudly instead).
import { spawnSync } from 'node:child_process';

if (process.platform !== 'linux') {
  console.log('labboot: skipping the DHCP interface helper (Linux only).');
  process.exit(0);
}
// npm hands lifecycle scripts its own node-gyp; outside npm, use the one in node_modules.
const args = ['rebuild', '--directory=src-main/boot/dhcp/native'];
const gyp = process.env.npm_config_node_gyp;
const r = gyp
  ? spawnSync(process.execPath, [gyp, ...args], { stdio: 'inherit' })
  : spawnSync('npx', ['node-gyp', ...args], { stdio: 'inherit' });
if (r.status !== 0) {
  console.warn(
    'labboot: warning: the DHCP interface helper did not build (needs python3, make and a C compiler); DHCP serving is unavailable until `npm run build:native` succeeds.',
  );
}
