/**
 * A TCP proxy on loopback that a test controls, to fail the database connection without touching
 * the shared PostgreSQL server: `cut()` drops every connection and refuses new ones (a crashed or
 * restarting server), `stall()` drops them and then accepts but never answers (a silent network),
 * `restore()` forwards again.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export type ProxyMode = 'open' | 'refuse' | 'stall';

export class TcpProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private mode: ProxyMode = 'open';
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<number> {
    this.server = createServer((client) => {
      this.track(client);
      if (this.mode === 'refuse') return void client.destroy();
      if (this.mode === 'stall') return; // held open, never forwarded
      const upstream = connect(this.targetPort, this.targetHost);
      this.track(upstream);
      client.pipe(upstream).pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }

  /** The URL with host and port replaced by the proxy's. */
  url(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => undefined);
  }

  private dropAll(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  cut(): void {
    this.mode = 'refuse';
    this.dropAll();
  }

  stall(): void {
    this.mode = 'stall';
    this.dropAll();
  }

  restore(): void {
    this.mode = 'open';
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
