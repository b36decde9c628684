/**
 * Throwaway PostgreSQL clusters of our own (postgresql-common's pg_createcluster, Debian): a
 * primary that allows replication connections and a streaming replica of it made by
 * pg_basebackup -R. Used by the read-replica test (test/server/read-replica.test.ts) and by the
 * scale bench's replica measure (bench/scale.ts, BENCH_REPLICA=1). The shared cluster on 5432
 * allows no replication connections, so neither ever replicates from it.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';

export const VERSION = '15';

export function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** A cluster of our own: trust auth on loopback, replication allowed, fsync off (a throwaway). */
export function createCluster(name: string, port: number, extraConf: string[] = []): void {
  run('pg_createcluster', [VERSION, name, '-p', String(port), '--start-conf=manual']);
  const conf = `/etc/postgresql/${VERSION}/${name}`;
  writeFileSync(
    `${conf}/pg_hba.conf`,
    [
      'local all all trust',
      'local replication all trust',
      'host all all 127.0.0.1/32 trust',
      'host replication all 127.0.0.1/32 trust',
      '',
    ].join('\n'),
  );
  writeFileSync(
    `${conf}/conf.d/test.conf`,
    [
      "listen_addresses = '127.0.0.1'",
      'wal_level = replica',
      'max_wal_senders = 4',
      'fsync = off',
      'shared_buffers = 32MB',
      ...extraConf,
      '',
    ].join('\n'),
  );
}

export function startCluster(name: string): void {
  run('pg_ctlcluster', [VERSION, name, 'start']);
}

export function dropCluster(name: string): void {
  try {
    run('pg_dropcluster', [VERSION, name, '--stop']);
  } catch {
    /* not created */
  }
}

/**
 * Makes cluster `name` on `port` a streaming replica of the cluster on `primaryPort` (a base
 * backup with standby.signal and primary_conninfo, -R) and starts it.
 */
export function createReplica(name: string, port: number, primaryPort: number, extraConf: string[] = []): void {
  createCluster(name, port, extraConf);
  const data = `/var/lib/postgresql/${VERSION}/${name}`;
  // Emptied, not removed: the folder above belongs to root, the data folder to postgres.
  run('find', [data, '-mindepth', '1', '-delete']);
  run('runuser', [
    '-u',
    'postgres',
    '--',
    'pg_basebackup',
    '-h',
    '127.0.0.1',
    '-p',
    String(primaryPort),
    '-U',
    'postgres',
    '-D',
    data,
    '-R',
    '-X',
    'stream',
    '-c',
    'fast',
  ]);
  startCluster(name);
}

export async function waitFor<T>(what: string, fn: () => Promise<T | null | false>, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch {
      /* not yet */
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
