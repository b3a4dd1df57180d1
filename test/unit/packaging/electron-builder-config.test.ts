import { describe, expect, it } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { parse } from 'yaml';

const root = new URL('../../../', import.meta.url);
const read = (p: string): string => readFileSync(new URL(p, root), 'utf8');

interface BuilderConfig {
  appId: string;
  files: string[];
  asarUnpack: string[];
  npmRebuild: boolean;
  electronVersion: string;
  extraMetadata: { main: string };
  linux: { target: string[]; executableName: string };
  deb: { depends: string[]; afterInstall: string };
  mac: { target: string[] };
  win: { target: string[] };
}

describe('electron-builder.yml', () => {
  const config = parse(read('electron-builder.yml')) as BuilderConfig;
  const pkg = JSON.parse(read('package.json')) as {
    devDependencies: Record<string, string>;
    dependencies: Record<string, string>;
  };

  it('targets AppImage and deb, dmg and nsis', () => {
    expect(config.linux.target).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(config.mac.target).toContain('dmg');
    expect(config.win.target).toContain('nsis');
  });

  it('builds the native store module for the Electron it ships, and keeps it outside the asar', () => {
    expect(config.npmRebuild).toBe(true);
    expect(config.electronVersion).toBe(pkg.devDependencies.electron);
    expect(pkg.dependencies['better-sqlite3']).toMatch(/^12\./);
    // better-sqlite3 12.11 ships Electron prebuilds up to major 42.
    expect(Number(config.electronVersion.split('.')[0])).toBeLessThanOrEqual(42);
    expect(config.asarUnpack.some((p) => p.includes('better-sqlite3'))).toBe(true);
  });

  it('starts the bundled Electron entry that electron-vite writes', () => {
    expect(config.extraMetadata.main).toBe('out/main/electron.js');
    expect(read('electron.vite.config.ts')).toContain(
      "electron: resolve('src-main/electron/main.ts')",
    );
  });

  it('grants the deb the capability to bind ports 67/69/4011 without root', () => {
    expect(config.deb.depends).toContain('libcap2-bin');
    expect(existsSync(new URL(config.deb.afterInstall, root))).toBe(true);
    const script = read(config.deb.afterInstall);
    expect(script).toContain("setcap 'cap_net_bind_service=+ep'");
    expect(script).toContain(`/opt/LabBoot/${config.linux.executableName}`);
  });
});

describe('electron-builder.yml native helper', () => {
  it('ships the native module unpacked, where the bundle looks for it', () => {
    const config = parse(read('electron-builder.yml')) as { files: string[]; asarUnpack: string[] };
    const addon = 'src-main/boot/native/build/Release/labboot_native.node';
    expect(config.files).toContain(addon);
    expect(config.asarUnpack).toContain(addon);
    expect(read('src-main/boot/native-addon.ts')).toContain(
      "join('src-main', 'boot', 'native', addonFile)",
    );
  });
});
