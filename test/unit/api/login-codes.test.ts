import { describe, expect, it } from 'vitest';
import { LoginCodes } from '../../../src-main/api/login-codes';

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

describe('one-time sign-in codes', () => {
  it('redeem a code exactly once', () => {
    const codes = new LoginCodes({ ttlMs: 60_000, maxOutstanding: 8 });
    const code = codes.issue();
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(codes.redeem(code)).toBe(true);
    expect(codes.redeem(code)).toBe(false);
  });

  it('refuse a code after its lifetime', () => {
    const c = clock();
    const codes = new LoginCodes({ ttlMs: 60_000, maxOutstanding: 8, now: c.now });
    const late = codes.issue();
    const inTime = codes.issue();
    c.advance(59_999);
    expect(codes.redeem(inTime)).toBe(true);
    c.advance(1);
    expect(codes.redeem(late)).toBe(false);
  });

  it('refuse codes never issued, and keep at most maxOutstanding', () => {
    const codes = new LoginCodes({ ttlMs: 60_000, maxOutstanding: 2 });
    expect(codes.redeem('')).toBe(false);
    expect(codes.redeem('x'.repeat(43))).toBe(false);
    const first = codes.issue();
    const second = codes.issue();
    const third = codes.issue();
    expect(first).not.toBe(second);
    expect(codes.redeem(first)).toBe(false);
    expect(codes.redeem(second)).toBe(true);
    expect(codes.redeem(third)).toBe(true);
  });
});
