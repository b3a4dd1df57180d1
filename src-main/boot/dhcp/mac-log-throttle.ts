import { rememberNewest } from './remember-newest';

/**
 * MacLogThrottle lets one boot-log line per client MAC through per window: a client left without
 * an answer retries its DISCOVER every few seconds, and one line saying why is enough. It remembers
 * at most `maxMacs` clients, forgetting the one logged longest ago, so a storm of random MACs cannot
 * grow it without bound.
 */
export class MacLogThrottle {
  /** MAC → when its last line was let through; Maps iterate oldest insertion first. */
  private readonly logged = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly maxMacs: number,
  ) {}

  /** shouldLog is true when `mac` had no line in the window before `now`, and counts this one. */
  shouldLog(mac: string, now: number): boolean {
    const last = this.logged.get(mac);
    if (last !== undefined && now - last < this.windowMs) return false;
    rememberNewest(this.logged, mac, now, this.maxMacs);
    return true;
  }
}
