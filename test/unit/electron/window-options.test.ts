import { describe, expect, it } from 'vitest';
import { secureWindowOptions } from '../../../src-main/electron/window-options';
import { contentSecurityPolicy } from '../../../src-main/api/http-server';

describe('the Electron window', () => {
  it('isolates the renderer: sandbox, context isolation, no Node', () => {
    const options = secureWindowOptions('/app/out/preload/preload.cjs', {
      width: 800,
      height: 600,
    });
    expect(options.webPreferences).toMatchObject({
      preload: '/app/out/preload/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      webviewTag: false,
    });
  });

  it('uses a CSP that allows only our own scripts and connections', () => {
    expect(contentSecurityPolicy).toContain("default-src 'none'");
    expect(contentSecurityPolicy).toContain("script-src 'self'");
    expect(contentSecurityPolicy).toContain("connect-src 'self'");
    expect(contentSecurityPolicy).not.toContain('unsafe');
  });
});
