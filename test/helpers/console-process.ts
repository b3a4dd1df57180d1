import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const labbootBin = fileURLToPath(new URL('../../bin/labboot.mjs', import.meta.url));

export interface ConsoleProcess {
  child: ChildProcess;
  url: string;
  origin: string;
  port: number;
  token: string;
  /** The line printed on stdout, exactly. */
  line: string;
  /** Milliseconds from spawn to the line. */
  startupMs: number;
  stderr: () => string;
  /** SIGTERM, then SIGKILL after 5 s; resolves with the exit code. */
  stop: () => Promise<number | null>;
}

const linePattern = /^LabBoot console: (http:\/\/127\.0\.0\.1:(\d+))\/#token=([A-Za-z0-9_-]+)$/;

/**
 * startConsole runs the real `labboot console` (the built CLI) on a free port and waits for its
 * one line. The caller must `await stop()` in a finally/afterAll; it only signals the PID it spawned.
 */
export async function startConsole(
  dataDir: string,
  extraEnv: NodeJS.ProcessEnv = {},
  options: { open?: boolean } = {},
): Promise<ConsoleProcess> {
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [
      labbootBin,
      ...['--data', dataDir, 'console', '--port', '0'],
      ...(options.open === true ? [] : ['--no-open']),
    ],
    {
      cwd: repoRoot,
      env: { ...process.env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    }
    return child.exitCode;
  };
  try {
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`console printed no line within 20 s; stderr: ${stderr}`)),
        20_000,
      );
      const rl = createInterface({ input: child.stdout! });
      rl.once('line', (l) => {
        clearTimeout(timer);
        resolve(l);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`console exited with ${code}; stderr: ${stderr}`));
      });
    });
    const m = linePattern.exec(line);
    if (m === null) throw new Error(`unexpected console line: ${line}`);
    return {
      child,
      url: `${m[1]}/#token=${m[3]}`,
      origin: m[1]!,
      port: Number(m[2]),
      token: m[3]!,
      line,
      startupMs: Date.now() - started,
      stderr: () => stderr,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** callConsole makes one contract call over the console's HTTP bridge, as the renderer does. */
export async function callConsole(
  c: ConsoleProcess,
  name: string,
  input: unknown,
): Promise<unknown> {
  const res = await fetch(`${c.origin}/api/call/${name}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${c.token}` },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { ok: boolean; value?: unknown; error?: { message: string } };
  if (!body.ok) throw new Error(`${name}: ${body.error?.message ?? res.status}`);
  return body.value;
}

/**
 * syncThroughConsole adds a source, selects `images` and syncs them through the console's calls,
 * failing unless the sync ends done within 60 s.
 */
export async function syncThroughConsole(
  c: ConsoleProcess,
  source: { url: string; name: string; keyringBase64: string },
  images: readonly string[],
): Promise<void> {
  await callConsole(c, 'sources.add', source);
  await callConsole(c, 'images.select', { images });
  await callConsole(c, 'sync.start', {});
  const deadline = Date.now() + 60_000;
  for (;;) {
    const s = (await callConsole(c, 'sync.status', {})) as {
      running: boolean;
      runs: { status: string }[];
    };
    if (!s.running) {
      if (s.runs[0]?.status !== 'done') throw new Error(`sync ended ${s.runs[0]?.status ?? '?'}`);
      return;
    }
    if (Date.now() > deadline) throw new Error('sync did not finish within 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
}
