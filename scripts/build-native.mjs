#!/usr/bin/env node
// Builds the Node-API module in src-main/boot/native: DHCP sockets pinned to one NIC (Linux's
// SO_BINDTODEVICE), TFTP transfers on blocking threads and HTTP file bodies by sendfile(2). It is
// built on Linux only. A failed build does not fail `npm ci`: TFTP then uses its pure-Node engine,
// HTTP a buffered pump, DHCP says how to build the module when it starts, and the tests that need
// it fail loudly instead.
import { spawnSync } from 'node:child_process';

if (process.platform !== 'linux') {
  console.log(
    'labboot: skipping the native module (Linux only); TFTP and HTTP use their pure-Node paths.',
  );
  process.exit(0);
}
// npm hands lifecycle scripts its own node-gyp; outside npm, use the one in node_modules.
const args = ['rebuild', '--directory=src-main/boot/native'];
const gyp = process.env.npm_config_node_gyp;
const r = gyp
  ? spawnSync(process.execPath, [gyp, ...args], { stdio: 'inherit' })
  : spawnSync('npx', ['node-gyp', ...args], { stdio: 'inherit' });
if (r.status !== 0) {
  console.warn(
    'labboot: warning: the native module did not build (needs python3, make and a C compiler); DHCP serving is unavailable and TFTP and HTTP run slower until `npm run build:native` succeeds.',
  );
}
