import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from './temp-dir';

/** StandInOpener is a fake `xdg-open` on a PATH of its own that records the arguments it got. */
export interface StandInOpener {
  /** Environment for the process under test: PATH with the stand-in first. */
  env: NodeJS.ProcessEnv;
  /** The arguments of the first call, once it happened (throws after `timeoutMs`). */
  argv: (timeoutMs?: number) => Promise<string[]>;
  remove: () => void;
}

/**
 * makeStandInOpener writes a stand-in `xdg-open` that records its command line (what `ps` shows
 * every local user) instead of starting a browser. The caller must `remove()` it.
 */
export function makeStandInOpener(): StandInOpener {
  const bin = makeTempDir('labboot-opener-');
  const argvFile = join(bin.path, 'argv');
  const opener = join(bin.path, 'xdg-open');
  writeFileSync(
    opener,
    `#!/bin/sh\nprintf '%s\\n' "$@" > "${argvFile}.part" && mv "${argvFile}.part" "${argvFile}"\n`,
  );
  chmodSync(opener, 0o755);
  return {
    env: { PATH: `${bin.path}:${process.env.PATH ?? ''}` },
    argv: async (timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!existsSync(argvFile)) {
        if (Date.now() > deadline)
          throw new Error(`the opener was not called within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return readFileSync(argvFile, 'utf8').trimEnd().split('\n');
    },
    remove: bin.remove,
  };
}
