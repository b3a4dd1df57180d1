// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

/** Restrictions that keep each layer honest; messages say what to do instead. */
const onlyIn = (pkg, where) => ({
  name: pkg,
  message: `${pkg} may only be imported in ${where}; go through the service that owns it.`,
});

const nodeBuiltins = [
  'node:*',
  'fs',
  'path',
  'os',
  'child_process',
  'net',
  'dgram',
  'http',
  'crypto',
];

/** Packages confined to one folder each. */
const owners = {
  electron: 'src-main/electron/',
  'better-sqlite3': 'src-main/store/',
  undici: 'src-main/sync/',
};

/**
 * zone builds the import rule for a set of files: every owned package except those in `allowed`
 * is refused with a message naming its folder, plus any extra patterns for that layer.
 */
function zone(files, allowed, patterns = []) {
  const paths = Object.entries(owners)
    .filter(([pkg]) => !allowed.includes(pkg))
    .map(([pkg, where]) => onlyIn(pkg, where));
  return {
    files,
    rules: {
      'no-restricted-imports': ['error', patterns.length > 0 ? { paths, patterns } : { paths }],
    },
  };
}

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', '.tsbuild/**', 'node_modules/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ExportDefaultDeclaration',
          message: 'Use named exports (one name per concept).',
        },
      ],
    },
  },
  // Config files are loaded by tools that want a default export.
  {
    files: ['*.config.ts', '*.config.js', 'eslint.config.js'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  // src-shared: pure TypeScript, no Node, no DOM, no Electron, no database or HTTP client.
  zone(
    ['src-shared/**/*.ts'],
    [],
    [
      {
        group: nodeBuiltins,
        message: 'src-shared is pure: no Node modules (it runs in the renderer too).',
      },
      {
        group: ['**/src-main/**', '**/src-renderer/**', 'react', 'react-dom'],
        message: 'src-shared imports neither side.',
      },
    ],
  ),
  // src-renderer: only src-shared and browser libraries; the main process is reached through the contract.
  {
    ...zone(
      ['src-renderer/**/*.{ts,tsx}'],
      [],
      [
        {
          group: nodeBuiltins,
          message: 'The renderer has no Node; ask the main process through the contract.',
        },
        {
          group: ['**/src-main/**'],
          message:
            'The renderer talks to the main process only through the contract (src-shared/contract).',
        },
      ],
    ),
    languageOptions: { globals: { ...globals.browser } },
  },
  // src-main: electron, better-sqlite3 and undici stay in the folders that own them.
  {
    ...zone(
      ['src-main/**/*.ts'],
      [],
      [{ group: ['**/src-renderer/**'], message: 'The main process never imports the renderer.' }],
    ),
    ignores: ['src-main/electron/**', 'src-main/store/**', 'src-main/sync/**'],
  },
  zone(['src-main/electron/**/*.ts'], ['electron']),
  zone(['src-main/store/**/*.ts'], ['better-sqlite3']),
  zone(['src-main/sync/**/*.ts'], ['undici']),
  // Raw IPC only in the IPC wrapper and the preload (they check senders and names).
  {
    files: ['src-main/electron/**/*.ts'],
    ignores: ['src-main/electron/ipc.ts', 'src-main/electron/preload.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportSpecifier[imported.name=/^ipc(Main|Renderer)$/]',
          message: 'Use serveIpc (ipc.ts) or the preload bridge; raw IPC skips the sender checks.',
        },
        {
          selector: 'ExportDefaultDeclaration',
          message: 'Use named exports (one name per concept).',
        },
      ],
    },
  },
  {
    files: ['test/**/*.{ts,tsx}', 'scripts/**/*.{js,mjs,ts}', 'bin/**/*.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  prettier,
);
