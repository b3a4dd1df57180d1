/**
 * Extra kernel options the admin adds to every booted machine's command line (global) or to one
 * machine's (per MAC), e.g. `console=ttyS0,115200`. The same text goes into PXELINUX, GRUB and iPXE
 * configs, so only characters all three pass to the kernel unchanged are allowed. Pure.
 */

/** Settings key of the global extra kernel options (a JSON string). */
export const KERNEL_OPTIONS_SETTING = 'boot.kernelOptions';

/** The most characters one field (global or one machine's) may hold, after spaces are tidied. */
export const KERNEL_OPTIONS_MAX_LENGTH = 512;

/**
 * Characters GRUB's or iPXE's config language would read as syntax (variables, quoting, escapes,
 * command separators, blocks, comments, wildcards) instead of handing them to the kernel.
 */
const LOADER_SYNTAX = /[$\\'"`;{}#|&<>*?[\]]/;

/** normalizeKernelOptions trims the text and collapses runs of spaces to one. */
export function normalizeKernelOptions(text: string): string {
  return text.trim().replace(/ {2,}/g, ' ');
}

/** splitKernelOptions turns checked options text into the options, in order ('' gives none). */
export function splitKernelOptions(text: string): string[] {
  const clean = normalizeKernelOptions(text);
  return clean === '' ? [] : clean.split(' ');
}

/**
 * kernelOptionsProblem returns one sentence saying why `text` cannot be used as kernel options,
 * or null when it can (empty text means "no extra options").
 */
export function kernelOptionsProblem(text: string): string | null {
  // Control characters first: a newline would end the config line and start a new command.
  const control = [...text].find((c) => {
    const code = c.charCodeAt(0);
    return code < 0x20 || code === 0x7f;
  });
  if (control !== undefined) {
    const name =
      control === '\n' || control === '\r'
        ? 'a line break'
        : control === '\t'
          ? 'a tab'
          : 'a control character';
    return `Kernel options must be one line of options separated by spaces, but these contain ${name}; remove it.`;
  }
  const foreign = [...text].find((c) => c.charCodeAt(0) > 0x7e);
  if (foreign !== undefined) {
    return `Kernel options may hold only plain ASCII letters, digits and punctuation, not "${foreign}"; remove it.`;
  }
  const syntax = LOADER_SYNTAX.exec(text);
  if (syntax !== null) {
    return `Kernel options cannot contain "${syntax[0]}", because GRUB or iPXE would read it as part of their config language instead of passing it to the kernel; remove it.`;
  }
  const length = normalizeKernelOptions(text).length;
  if (length > KERNEL_OPTIONS_MAX_LENGTH) {
    return `Kernel options may be at most ${KERNEL_OPTIONS_MAX_LENGTH} characters, but these are ${length}; shorten them (the kernel's whole command line is limited too).`;
  }
  return null;
}
