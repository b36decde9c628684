/**
 * The real entry point (server/main.ts) as a child process on loopback: a free port, the
 * process started with tsx, and a wait until /readyz answers 200. Used by the soak run
 * (scripts/soak.ts) and by the graceful-shutdown test (test/server/main.test.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export interface ServerProcess {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output: () => string;
  /** The exit code once the process ends. */
  exited: Promise<number | null>;
}

/** A port nothing listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/**
 * Starts server/main.ts on 127.0.0.1 with the parent's environment plus `env` (DEMO off, warnings
 * only, unless `env` says otherwise); resolves once /readyz answers 200, rejects with the
 * process's output when it exits first or is not ready within `readyMs` milliseconds.
 */
export async function startServer(
  env: Record<string, string>,
  { readyMs = 60_000, pollMs = 200 }: { readyMs?: number; pollMs?: number } = {},
): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: {
      ...process.env,
      DEMO: '0',
      LOG_LEVEL: 'warn',
      ...env,
      HOST: '127.0.0.1',
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const base = `http://127.0.0.1:${port}`;
  const until = Date.now() + readyMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${out}`);
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`server did not become ready:\n${out}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return { child, base, output: () => out, exited };
}
