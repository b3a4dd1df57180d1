/**
 * ConsoleText turns a VM's raw serial bytes into text a read-only terminal view can show: terminal
 * control sequences (colours, cursor moves, screen clears from the firmware) removed, CR LF as LF.
 * A sequence cut between two chunks is held back until its end arrives. Pure.
 */
import { cleanConsoleLine } from './console-watch';

const ESC = String.fromCharCode(27);
/** An escape sequence still open at the end of a chunk (CSI without its final byte, or bare ESC). */
const openTail = new RegExp(`${ESC}(?:\\[[0-?]*[ -/]*|[()])?$`);

/** ConsoleText cleans console chunks for display. */
export class ConsoleText {
  private carry = '';

  /** push returns the displayable text of `chunk`. */
  push(chunk: string): string {
    let text = this.carry + chunk;
    this.carry = '';
    const open = openTail.exec(text);
    if (open !== null) {
      this.carry = open[0];
      text = text.slice(0, open.index);
    }
    return text
      .replace(/\r\n/g, '\n')
      .split('\n')
      .map((line) => cleanConsoleLine(line.replace(/\r/g, '')))
      .join('\n');
  }
}
