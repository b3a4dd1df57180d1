/**
 * startPinnedChild runs one of the bench's LabBoot server children (`node --import tsx SCRIPT
 * ...args`), waits for the line it prints when ready, and pins every thread of it to CPU 0, where
 * the peer server and the clients run too. The child is added to `children` for cleanup.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export async function startPinnedChild(
  script: string,
  args: string[],
  ready: RegExp,
  children: ChildProcess[],
): Promise<RegExpExecArray> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, script), ...args],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    let buf = '';
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = ready.exec(buf);
      if (m) resolve(m);
    });
    child.once('exit', (c) => reject(new Error(`${script} exited ${c} before it was ready`)));
  });
  // -a: all threads, including those Node started before this call (the threads a transfer
  // starts later inherit the pinning from the thread that creates them).
  execFileSync('taskset', ['-a', '-p', '1', String(child.pid)]);
  return match;
}
