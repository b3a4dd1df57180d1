/**
 * One-time sign-in codes for the browser console. The URL handed to the browser opener ends up on
 * a command line (`xdg-open URL`), which every local user can read in `ps`; so it carries a code
 * that the page trades once, within a short time, for the real token, instead of the token itself.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface LoginCodeOptions {
  /** How long a code can be traded after it is issued. */
  ttlMs: number;
  /** Codes kept at most; issuing more forgets the oldest. */
  maxOutstanding: number;
  /** The clock, replaceable in tests. */
  now?: () => number;
}

export const defaultLoginCodeOptions: LoginCodeOptions = { ttlMs: 60_000, maxOutstanding: 8 };

/** LoginCodes issues codes and redeems each at most once before it expires. */
export class LoginCodes {
  /** Keyed by the code's hash: a lookup's timing then says nothing about valid codes. */
  private readonly expiries = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly options: LoginCodeOptions = defaultLoginCodeOptions) {
    this.now = options.now ?? Date.now;
  }

  /** issue makes a new random code (256 bits, base64url). */
  issue(): string {
    this.forgetExpired();
    while (this.expiries.size >= this.options.maxOutstanding) {
      const oldest = this.expiries.keys().next().value;
      if (oldest === undefined) break;
      this.expiries.delete(oldest);
    }
    const code = randomBytes(32).toString('base64url');
    this.expiries.set(digest(code), this.now() + this.options.ttlMs);
    return code;
  }

  /** redeem says whether `code` is valid now, and makes it invalid from then on either way. */
  redeem(code: string): boolean {
    this.forgetExpired();
    const key = digest(code);
    const known = this.expiries.has(key);
    this.expiries.delete(key);
    return known;
  }

  private forgetExpired(): void {
    const now = this.now();
    for (const [key, expiry] of this.expiries) if (expiry <= now) this.expiries.delete(key);
  }
}

function digest(code: string): string {
  return createHash('sha256').update(code).digest('base64url');
}
