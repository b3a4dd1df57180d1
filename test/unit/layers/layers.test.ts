import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';
import ts from 'typescript';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const eslint = new ESLint({ cwd: root });

/** lintAs lints `code` as if it were the file at `path` and returns the rule ids that fired. */
async function lintAs(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${path}` });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

/** typeErrorsAs type-checks `code` with one layer's compiler options. */
function typeErrorsAs(tsconfig: string, code: string): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    `${root}${tsconfig}`,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: () => {},
    },
  );
  if (config === undefined) throw new Error(`cannot read ${tsconfig}`);
  const file = `${root}src-probe.ts`;
  const host = ts.createCompilerHost(config.options);
  const original = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang) =>
    name === file ? ts.createSourceFile(name, code, lang) : original(name, lang);
  const program = ts.createProgram(
    [file],
    { ...config.options, noEmit: true, composite: false, emitDeclarationOnly: false },
    host,
  );
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('layers are enforced by lint', { timeout: 30_000 }, () => {
  it('keeps Node and the main process out of src-shared and src-renderer', async () => {
    expect(
      (
        await lintAs(
          'src-shared/probe.ts',
          "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n",
        )
      ).join(),
    ).toContain('src-shared is pure');
    expect(
      (
        await lintAs(
          'src-renderer/probe.ts',
          "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n",
        )
      ).join(),
    ).toContain('no-restricted-imports');
    expect(
      (
        await lintAs(
          'src-renderer/probe.ts',
          "import { createServices } from '../src-main/services';\nexport const x = createServices;\n",
        )
      ).join(),
    ).toContain('only through the contract');
  });

  it('confines electron, better-sqlite3 and undici to their folders', async () => {
    expect(
      (
        await lintAs(
          'src-main/api/probe.ts',
          "import { app } from 'electron';\nexport const x = app;\n",
        )
      ).join(),
    ).toContain('electron may only be imported in src-main/electron/');
    expect(
      (
        await lintAs(
          'src-main/boot/probe.ts',
          "import Database from 'better-sqlite3';\nexport const x = Database;\n",
        )
      ).join(),
    ).toContain('better-sqlite3 may only be imported in src-main/store/');
    expect(
      (
        await lintAs(
          'src-main/store/probe.ts',
          "import { request } from 'undici';\nexport const x = request;\n",
        )
      ).join(),
    ).toContain('undici may only be imported in src-main/sync/');
    expect(
      await lintAs(
        'src-main/store/probe.ts',
        "import Database from 'better-sqlite3';\nexport const x = Database;\n",
      ),
    ).toEqual([]);
  });

  it('bans raw IPC outside the checked wrapper', async () => {
    expect(
      (
        await lintAs(
          'src-main/electron/probe.ts',
          "import { ipcMain } from 'electron';\nexport const x = ipcMain;\n",
        )
      ).join(),
    ).toContain('raw IPC skips the sender checks');
  });
});

// Each case type-checks a program with the real lib files: seconds of CPU, more on a busy machine.
describe('layers are enforced by the compiler', { timeout: 60_000 }, () => {
  it('src-shared has neither Node nor DOM types', () => {
    expect(
      typeErrorsAs('tsconfig.shared.json', 'export const b = Buffer.from("x");\n').join(),
    ).toMatch(/Cannot find name 'Buffer'/);
    expect(
      typeErrorsAs('tsconfig.shared.json', 'export const d = document.title;\n').join(),
    ).toMatch(/Cannot find name 'document'/);
  });

  it('the renderer has DOM but no Node types', () => {
    expect(typeErrorsAs('tsconfig.renderer.json', 'export const d = document.title;\n')).toEqual(
      [],
    );
    expect(
      typeErrorsAs('tsconfig.renderer.json', 'export const p = process.pid;\n').join(),
    ).toMatch(/Cannot find name 'process'/);
  });
});
