/**
 * `npm run soak` — a bounded load test on loopback against TWO app instances sharing one
 * PostgreSQL, then an exact reconciliation of the database with the successful answers.
 *
 *   npm run soak -- [--seconds 60] [--clients 50] [--max-requests 200000]
 *   SOAK_DATABASE_URL (or TEST_DATABASE_URL) = a PostgreSQL server where a fresh database
 *   `pm_soak_<pid>` is created and dropped afterwards (default postgres://postgres@127.0.0.1:5432/postgres).
 *
 * Clients mix reads (statistics, tiles, lists, CSV exports) and writes (create, workflow
 * transitions, small CSV imports), each request to the next instance in turn. Afterwards: zero
 * 5xx, and the rows and the record (problem_events) equal exactly what the 2xx answers said was
 * written (a 409 or 4xx wrote nothing). Exit code 1 otherwise. Nothing listens beyond 127.0.0.1;
 * the run stops at the time or request bound, whichever comes first.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { sql } from 'kysely';
import { openPostgres } from '../db/index.js';
import { migrateToLatest } from '../db/migrate.js';
import { upsertCategories } from '../db/queries/categories.js';
import { DEFAULT_CATEGORIES } from '../db/seed/categories.js';
import { loadDemo } from '../db/seed/load.js';
import { hashToken, newToken } from '../server/plugins/auth.js';
import { mulberry32 } from '../domain/random.js';
import { startServer, type ServerProcess } from './lib/spawn-server.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    clients: { type: 'string', default: '50' },
    'max-requests': { type: 'string', default: '200000' },
    seed: { type: 'string', default: '20261202' },
  },
});
const SECONDS = Math.min(600, Math.max(1, Number(args.seconds)));
const CLIENTS = Math.min(200, Math.max(1, Number(args.clients)));
const MAX_REQUESTS = Math.max(1, Number(args['max-requests']));
const SEED = Number(args.seed);

const baseUrl =
  process.env.SOAK_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `pm_soak_${process.pid}`;
const withDb = (name: string) => {
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return u.toString();
};

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: baseUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** One app instance on its own port, on the soak database. */
function startInstance(url: string): Promise<ServerProcess> {
  return startServer(
    {
      DATABASE_URL: url,
      NODE_ENV: 'development',
      // The soak is one address hammering on purpose: no global limit here.
      RATE_LIMIT_MAX: '0',
      DB_POOL_MAX: '10',
    },
    { readyMs: 120_000, pollMs: 250 },
  );
}

interface Sample {
  route: string;
  status: number;
  ms: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0;

async function main(): Promise<void> {
  console.log(`soak: ${CLIENTS} clients, ${SECONDS} s, ≤ ${MAX_REQUESTS} requests, seed ${SEED}, database ${dbName}`);
  await admin((c) => c.query(`CREATE DATABASE ${dbName}`));
  const url = withDb(dbName);
  const instances: ServerProcess[] = [];
  let failed = false;
  try {
    // ---- the data: a small demo county, users with tokens
    const h = await openPostgres(url, 2);
    await migrateToLatest(h.db);
    await upsertCategories(h.db, DEFAULT_CATEGORIES);
    await loadDemo(h.db, { blocks: 60, problems: 2_000, seed: SEED });
    const tokens: Record<'admin' | 'leader', string> = { admin: newToken(), leader: newToken() };
    for (const role of ['admin', 'leader'] as const) {
      const u = await h.db
        .insertInto('users')
        .values({
          username: `soak-${role}`,
          display_name: `压测${role}`,
          role,
          scope: [],
          department: null,
          password_hash: '!no-login',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await h.db
        .insertInto('api_tokens')
        .values({ user_id: u.id, token_hash: hashToken(tokens[role]), expires_at: new Date(Date.now() + 86_400_000) })
        .execute();
    }
    const points = (
      await sql<{ lon: number; lat: number }>`SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM (
        SELECT ST_PointOnSurface(geom) AS p FROM regions WHERE level = 'block' ORDER BY code) t`.execute(h.db)
    ).rows;
    const categories = (
      await sql<{ code: string }>`SELECT code FROM categories WHERE active ORDER BY code LIMIT 20`.execute(h.db)
    ).rows.map((r) => r.code);
    const before = (
      await sql<{ problems: number; events: number }>`SELECT (SELECT count(*) FROM problems)::int AS problems,
        (SELECT count(*) FROM problem_events)::int AS events`.execute(h.db)
    ).rows[0];
    const ext = (
      await sql<{
        x0: number;
        y0: number;
        x1: number;
        y1: number;
      }>`SELECT ST_XMin(e) AS x0, ST_YMin(e) AS y0, ST_XMax(e) AS x1, ST_YMax(e) AS y1
        FROM (SELECT ST_Extent(geom) AS e FROM regions WHERE level = 'county') t`.execute(h.db)
    ).rows[0];
    await h.close();

    // ---- two instances on the one database
    instances.push(await startInstance(url), await startInstance(url));
    console.log(`instances: ${instances.map((i) => i.base).join(', ')}`);

    const random = mulberry32(SEED);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
    const tileAt = (z: number) => {
      const lon = ext.x0 + random() * (ext.x1 - ext.x0);
      const lat = ext.y0 + random() * (ext.y1 - ext.y0);
      const n = 2 ** z;
      const r = (lat * Math.PI) / 180;
      return `${z}/${Math.floor(((lon + 180) / 360) * n)}/${Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n)}`;
    };

    const samples: Sample[] = [];
    const written = {
      created: [] as number[],
      imported: 0,
      transitions: 0,
      transitionsById: new Map<number, number>(),
    };
    /** Problems created here with the version last seen, for transitions. */
    const mine: { id: number; version: number; status: string }[] = [];
    let next = 0;
    let sent = 0;
    const deadline = Date.now() + SECONDS * 1000;

    async function call(
      route: string,
      path: string,
      init: RequestInit & { token?: string } = {},
    ): Promise<Response | null> {
      const inst = instances[next++ % instances.length];
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${init.token ?? tokens.leader}`);
      const t = performance.now();
      try {
        const res = await fetch(inst.base + path, { ...init, headers });
        const body = await res.arrayBuffer();
        samples.push({ route, status: res.status, ms: performance.now() - t });
        return new Response(res.status === 204 || res.status === 304 ? null : body, {
          status: res.status,
          headers: res.headers,
        });
      } catch (err) {
        samples.push({ route, status: 0, ms: performance.now() - t });
        console.error(`${route}: ${(err as Error).message}`);
        return null;
      }
    }

    const actions: [number, () => Promise<void>][] = [
      [
        14,
        async () =>
          void (await call(
            'GET /api/stats/regions',
            `/api/stats/regions?level=${pick(['street', 'community', 'block'])}`,
          )),
      ],
      [22, async () => void (await call('GET /tiles/problems', `/tiles/problems/${tileAt(pick([10, 12, 14]))}.mvt`))],
      [10, async () => void (await call('GET /tiles/regions', `/tiles/regions/${tileAt(pick([10, 12]))}.mvt`))],
      [
        14,
        async () =>
          void (await call(
            'GET /api/problems',
            `/api/problems?limit=${pick([20, 100])}&status=${pick(['filed', 'reported', 'closed'])}`,
          )),
      ],
      [3, async () => void (await call('GET /api/exports/problems.csv', `/api/exports/problems.csv?status=filed`))],
      [
        15,
        async () => {
          const p = pick(points);
          const res = await call('POST /api/problems', '/api/problems', {
            method: 'POST',
            token: tokens.admin,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ lon: p.lon, lat: p.lat, category: pick(categories), description: `压测 ${sent}` }),
          });
          if (res?.status === 201) {
            const id = ((await res.json()) as { id: number }).id;
            written.created.push(id);
            mine.push({ id, version: 1, status: 'reported' });
          }
        },
      ],
      [
        17,
        async () => {
          if (mine.length === 0) return;
          const target = pick(mine);
          const action =
            target.status === 'reported'
              ? 'file'
              : target.status === 'filed'
                ? 'dispatch'
                : target.status === 'dispatched'
                  ? 'start'
                  : null;
          if (!action) return;
          const res = await call('POST /api/problems/:id/transitions', `/api/problems/${target.id}/transitions`, {
            method: 'POST',
            token: tokens.admin,
            headers: { 'content-type': 'application/json' },
            // Sometimes a stale version on purpose: a 409 must write nothing.
            body: JSON.stringify({
              action,
              version: random() < 0.1 ? Math.max(1, target.version - 1) : target.version,
            }),
          });
          if (res && res.status >= 200 && res.status < 300) {
            const body = (await res.json()) as {
              version?: number;
              status?: string;
              problem?: { version: number; status: string };
            };
            const v = body.version ?? body.problem?.version;
            const s = body.status ?? body.problem?.status;
            written.transitions++;
            written.transitionsById.set(target.id, (written.transitionsById.get(target.id) ?? 0) + 1);
            if (v) target.version = v;
            if (s) target.status = s;
          }
        },
      ],
      [
        5,
        async () => {
          const lines = ['lon,lat,category,description'];
          const n = 1 + Math.floor(random() * 5);
          for (let i = 0; i < n; i++) {
            const p = pick(points);
            lines.push(`${p.lon},${p.lat},${pick(categories)},导入 ${sent}-${i}`);
          }
          const res = await call('POST /api/problems/import', '/api/problems/import', {
            method: 'POST',
            token: tokens.admin,
            headers: { 'content-type': 'text/csv' },
            body: lines.join('\n') + '\n',
          });
          if (res?.status === 201) written.imported += ((await res.json()) as { created: number }).created;
        },
      ],
    ];
    const total = actions.reduce((s, [w]) => s + w, 0);
    const chooseAction = () => {
      let r = random() * total;
      for (const [w, a] of actions) if ((r -= w) < 0) return a;
      return actions[0][1];
    };

    const started = Date.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (Date.now() < deadline && sent < MAX_REQUESTS) {
          sent++;
          await chooseAction()();
        }
      }),
    );
    const elapsed = (Date.now() - started) / 1000;

    // ---- stop both instances (they must drain and exit 0)
    for (const i of instances) i.child.kill('SIGTERM');
    const codes = await Promise.all(instances.map((i) => i.exited));

    // ---- report
    const routes = [...new Set(samples.map((s) => s.route))].sort();
    console.log(
      `\nrequests served: ${samples.length} in ${elapsed.toFixed(1)} s (${(samples.length / elapsed).toFixed(0)}/s)`,
    );
    console.log(`${'route'.padEnd(36)} ${'n'.padStart(7)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}  statuses`);
    for (const r of routes) {
      const mine_ = samples.filter((s) => s.route === r);
      const ms = mine_.map((s) => s.ms).sort((a, b) => a - b);
      const statuses = new Map<number, number>();
      for (const s of mine_) statuses.set(s.status, (statuses.get(s.status) ?? 0) + 1);
      console.log(
        `${r.padEnd(36)} ${String(mine_.length).padStart(7)} ${percentile(ms, 50).toFixed(0).padStart(8)} ${percentile(ms, 99).toFixed(0).padStart(8)}  ${[...statuses].map(([s, n]) => `${s}×${n}`).join(' ')}`,
      );
    }
    const fivexx = samples.filter((s) => s.status >= 500 || s.status === 0);
    console.log(`errors: ${fivexx.length} 5xx or failed requests`);

    // ---- reconcile
    const r = await openPostgres(url, 1);
    const after = (
      await sql<{ problems: number; events: number }>`SELECT (SELECT count(*) FROM problems)::int AS problems,
        (SELECT count(*) FROM problem_events)::int AS events`.execute(r.db)
    ).rows[0];
    const perProblem = written.created.length
      ? (
          await sql<{ id: number; n: number }>`SELECT problem_id AS id, count(*)::int AS n FROM problem_events
            WHERE problem_id = ANY(${written.created}::int[]) GROUP BY problem_id`.execute(r.db)
        ).rows
      : [];
    await r.close();
    const expectProblems = before.problems + written.created.length + written.imported;
    const expectEvents = before.events + written.created.length + written.imported + written.transitions;
    const badPerProblem = perProblem.filter((p) => p.n !== 1 + (written.transitionsById.get(p.id) ?? 0));
    console.log(
      `reconcile: problems ${after.problems} (expected ${before.problems} + ${written.created.length} created + ${written.imported} imported = ${expectProblems}); ` +
        `events ${after.events} (expected ${before.events} + ${written.created.length} + ${written.imported} + ${written.transitions} transitions = ${expectEvents}); ` +
        `created problems whose record disagrees: ${badPerProblem.length + (written.created.length - perProblem.length)}`,
    );
    console.log(`instances exited with ${codes.join(', ')}`);
    failed =
      fivexx.length > 0 ||
      after.problems !== expectProblems ||
      after.events !== expectEvents ||
      badPerProblem.length > 0 ||
      perProblem.length !== written.created.length ||
      codes.some((c) => c !== 0);
    console.log(failed ? 'SOAK FAILED' : 'soak passed: zero 5xx, rows and record reconcile exactly');
  } catch (err) {
    failed = true;
    console.error(err);
    for (const i of instances) console.error(i.output().slice(-2000));
  } finally {
    for (const i of instances) if (i.child.exitCode === null) i.child.kill('SIGKILL');
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`)).catch(() => undefined);
  }
  process.exit(failed ? 1 : 0);
}

await main();
