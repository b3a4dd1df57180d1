import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  isTrustedSender,
  navigationAllowed,
  permissionAllowed,
  sameDocument,
  windowOpenDecision,
  withContentSecurityPolicy,
} from '../../../src-main/electron/window-policy';
import { contentSecurityPolicy } from '../../../src-main/api/http-server';

const rendererUrl = 'file:///opt/LabBoot/resources/app/out/renderer/index.html';
const ours = { senderId: 7, windowId: 7, isMainFrame: true };

describe('the trusted IPC sender', () => {
  it('stays trusted after the UI routes by hash (the sidebar navigation)', () => {
    for (const frameUrl of [
      rendererUrl,
      `${rendererUrl}#/images`,
      `${rendererUrl}#/boot-server`,
      `${rendererUrl}?x=1#/esxi`,
    ]) {
      expect(isTrustedSender({ ...ours, frameUrl }, rendererUrl), frameUrl).toBe(true);
    }
  });

  it('refuses another window, an iframe, a gone frame, or another document', () => {
    expect(isTrustedSender({ ...ours, senderId: 8, frameUrl: rendererUrl }, rendererUrl)).toBe(
      false,
    );
    expect(
      isTrustedSender({ ...ours, isMainFrame: false, frameUrl: rendererUrl }, rendererUrl),
    ).toBe(false);
    expect(isTrustedSender({ ...ours, frameUrl: undefined }, rendererUrl)).toBe(false);
    for (const frameUrl of [
      'file:///opt/LabBoot/resources/app/out/renderer/other.html',
      'file:///tmp/index.html#/images',
      'file://evil.example/opt/LabBoot/resources/app/out/renderer/index.html',
      'https://evil.example/opt/LabBoot/resources/app/out/renderer/index.html',
      'about:blank',
      'data:text/html,<script>1</script>',
      'not a url',
      '',
    ]) {
      expect(isTrustedSender({ ...ours, frameUrl }, rendererUrl), frameUrl).toBe(false);
    }
  });

  it('compares http documents (a dev server) by origin and path', () => {
    const dev = 'http://localhost:5173/index.html';
    expect(sameDocument('http://localhost:5173/index.html#/sources', dev)).toBe(true);
    expect(sameDocument('http://localhost:5174/index.html', dev)).toBe(false);
    expect(sameDocument('http://127.0.0.1:5173/index.html', dev)).toBe(false);
    expect(sameDocument('http://localhost:5173/other.html', dev)).toBe(false);
  });

  it('treats a differently escaped path to the same file as the same document', () => {
    const spaced = 'file:///home/a%20b/out/renderer/index.html';
    expect(sameDocument('file:///home/a b/out/renderer/index.html#/images', spaced)).toBe(true);
  });
});

describe('navigation and new windows', () => {
  it('lets the window load only its own UI', () => {
    expect(navigationAllowed(`${rendererUrl}#/manifests`, rendererUrl)).toBe(true);
    for (const url of [
      'https://evil.example/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'http://127.0.0.1:8080/',
    ]) {
      expect(navigationAllowed(url, rendererUrl), url).toBe(false);
    }
  });

  it('never opens a window, and hands only plain https links to the system browser', () => {
    expect(windowOpenDecision('https://maas.io/docs')).toEqual({
      action: 'deny',
      openExternally: 'https://maas.io/docs',
    });
    for (const url of [
      'http://maas.io/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://host/share',
      'https://user:pw@maas.io/',
      'not a url',
    ]) {
      expect(windowOpenDecision(url), url).toEqual({ action: 'deny', openExternally: undefined });
    }
  });

  it('grants no permission', () => {
    for (const p of ['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal']) {
      expect(permissionAllowed(p), p).toBe(false);
    }
  });
});

describe('the Content-Security-Policy header', () => {
  it('is added to every response and replaces a policy the response brought, whatever its case', () => {
    const headers = withContentSecurityPolicy(
      {
        'content-security-policy': ["default-src *; script-src 'unsafe-inline'"],
        'CONTENT-SECURITY-POLICY': 'default-src *',
        'Content-Type': 'text/html',
      },
      contentSecurityPolicy,
    );
    expect(headers).toEqual({
      'Content-Type': ['text/html'],
      'Content-Security-Policy': [contentSecurityPolicy],
    });
    expect(withContentSecurityPolicy(undefined, contentSecurityPolicy)).toEqual({
      'Content-Security-Policy': [contentSecurityPolicy],
    });
  });
});

describe('the Electron folder is a thin adapter', () => {
  it('keeps the decision modules free of electron, so these tests cover what the app runs', () => {
    for (const file of ['window-policy.ts', 'window-state.ts']) {
      const source = readFileSync(
        fileURLToPath(new URL(`../../../src-main/electron/${file}`, import.meta.url)),
        'utf8',
      );
      expect(source, file).not.toMatch(/from\s+['"]electron['"]|require\(\s*['"]electron['"]/);
    }
  });
});
