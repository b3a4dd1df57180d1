import { describe, expect, it } from 'vitest';
import { bindError } from '../../../../src-main/boot/bind-errors';
import { isUserError } from '../../../../src-shared/errors';

const errno = (code: string): Error => Object.assign(new Error(`bind ${code}`), { code });

describe('bindError', () => {
  it('explains EACCES with the three fixes', () => {
    const e = bindError(errno('EACCES'), 'TFTP', '10.0.0.2', 69);
    expect(isUserError(e)).toBe(true);
    expect(e.message).toMatch(
      /^TFTP cannot listen on 10\.0\.0\.2:69 because ports below 1024 need privileges.*setcap cap_net_bind_service.*run LabBoot as root.*port of 1024 or higher/,
    );
  });

  it('explains busy ports and foreign addresses, and passes other errors through', () => {
    expect(bindError(errno('EADDRINUSE'), 'HTTP', '10.0.0.2', 5248).message).toMatch(
      /another program already uses that port/,
    );
    expect(bindError(errno('EADDRNOTAVAIL'), 'HTTP', '10.9.9.9', 5248).message).toMatch(
      /no interface on this machine has that address/,
    );
    const other = errno('EPERM');
    expect(bindError(other, 'HTTP', '10.0.0.2', 1)).toBe(other);
  });
});
