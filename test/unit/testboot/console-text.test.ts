import { describe, expect, it } from 'vitest';
import { ConsoleText } from '../../../src-main/testboot/console-text';

const ESC = String.fromCharCode(27);

describe('ConsoleText', () => {
  it('drops control sequences, also one cut between chunks, and turns CR LF into LF; a backspace erases', () => {
    const text = new ConsoleText();
    const shown = [
      text.push(`${ESC}[=3h${ESC}[0;1miPXE 1.0.0${ESC}[`),
      text.push(`0m -- Open Source\r\nPress Ctrl-B...\b \b\b \bok\r\n${ESC}`),
      text.push('c[    0.000000] Linux version 6.1\r\n'),
    ].join('');
    expect(shown).toBe(
      'iPXE 1.0.0 -- Open Source\nPress Ctrl-B.ok\n[    0.000000] Linux version 6.1\n',
    );
  });
});
