/** MAC address spellings used by boot firmware: `aa:bb:…`, `aa-bb-…`, PXELINUX `01-aa-bb-…`. Pure. */

/** Normalises a MAC to lower-case colon form, or undefined when it is not a 48-bit MAC. */
export function normalizeMac(text: string): string | undefined {
  const hex = text.trim().toLowerCase();
  const m =
    /^([0-9a-f]{2})[:-]?([0-9a-f]{2})[:-]?([0-9a-f]{2})[:-]?([0-9a-f]{2})[:-]?([0-9a-f]{2})[:-]?([0-9a-f]{2})$/.exec(
      hex,
    );
  return m === null ? undefined : m.slice(1).join(':');
}

/** The MAC with dashes, as PXELINUX and MAAS config names use it (`aa-bb-cc-dd-ee-ff`). */
export function dashedMac(mac: string): string {
  return mac.replaceAll(':', '-');
}
