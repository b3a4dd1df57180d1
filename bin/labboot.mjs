#!/usr/bin/env node
// The `labboot` command: runs the bundled CLI (out/main/cli.js), building it once if it is missing.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = new URL('../out/main/cli.js', import.meta.url);

if (!existsSync(cli)) {
  process.stderr.write('labboot: first run, building the app (npm run build)…\n');
  const built = spawnSync('npx', ['electron-vite', 'build'], {
    cwd: root,
    stdio: ['ignore', 2, 2],
  });
  if (built.status !== 0 || !existsSync(cli)) {
    process.stderr.write(
      'labboot: the build failed; run `npm ci && npm run build` in ' + root + '\n',
    );
    process.exit(1);
  }
}
await import(cli.href);
