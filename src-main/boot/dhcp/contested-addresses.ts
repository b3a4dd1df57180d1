import { rememberNewest } from './remember-newest';

/**
 * ContestedAddresses notices, beside a router, two machines asking for one address moments apart.
 * A router that does not hold its offers (dnsmasq) offers one free address to every machine that
 * DISCOVERs before the first REQUESTs it; it then ACKs one and NAKs the others, and UEFI HTTP Boot
 * gives up on a NAK. LabBoot sees only the REQUESTs, which is enough to tell the admin why.
 */
export class ContestedAddresses {
  /** Address → the MAC that last asked for it and when, newest last. */
  private readonly asked = new Map<string, { mac: string; at: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly maxAddresses: number,
  ) {}

  /** note records that `mac` asked for `ip` and returns another MAC that did within the window. */
  note(ip: string, mac: string, now: number): string | undefined {
    const before = this.asked.get(ip);
    rememberNewest(this.asked, ip, { mac, at: now }, this.maxAddresses);
    return before !== undefined && before.mac !== mac && now - before.at <= this.windowMs
      ? before.mac
      : undefined;
  }
}
