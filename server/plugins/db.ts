/**
 * The database as a named plugin: `app.db` (Kysely<DB>, the primary), `app.readDb` and
 * `app.dbFor(request)` (reads), `app.dbInfo`; closes on shutdown.
 *
 * Reads on a replica (`READ_DATABASE_URL`, docs/scaling.md): routes that only read ask
 * `app.dbFor(request)`, which answers the replica unless that would break read-your-own-writes:
 * after a successful write (any non-GET request answered < 400), the primary's WAL position is
 * remembered for the caller (by user, in this instance) and sent back as `X-Read-After-LSN`;
 * until the replica has replayed past it, that caller's reads go to the primary. A client of
 * several instances may send the header back as `X-Read-After-LSN` to carry the rule across them.
 * The replica down → reads go to the primary (db/replica.ts). Without a replica every handle is
 * the primary.
 */
import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/types.js';
import type { DbHandle, Backend } from '../../db/index.js';
import { parseLsn, primaryLsn, type ReadReplica } from '../../db/replica.js';

declare module 'fastify' {
  interface FastifyInstance {
    db: Kysely<DB>;
    /** The replica's handle when one is configured (falling back to the primary), else `db`. */
    readDb: Kysely<DB>;
    /** The handle a read for this request should use (see the file comment). */
    dbFor(request: FastifyRequest): Kysely<DB>;
    /** The replica, when configured (its state: healthy, replay position). */
    readReplica: ReadReplica | null;
    dbInfo: { backend: Backend; hasMvt: boolean };
    /** The handle itself, for the health check's own connection (`ping`). */
    dbHandle: DbHandle;
  }
}

export interface DbPluginOptions {
  handle: DbHandle;
  /** Close the handle when the app closes (false when a test owns it). */
  owns: boolean;
  /** A started read replica (closed with the app). */
  replica?: ReadReplica | null;
}

/** How long a writer's position is remembered (a replica further behind than this is not waited for). */
export const READ_AFTER_WRITE_MS = 60_000;
export const READ_AFTER_HEADER = 'x-read-after-lsn';

export default fp<DbPluginOptions>(
  async (app, { handle, owns, replica = null }) => {
    app.decorate('db', handle.db);
    app.decorate('dbInfo', { backend: handle.backend, hasMvt: handle.hasMvt });
    app.decorate('dbHandle', handle);
    app.decorate('readReplica', replica);
    app.decorate('readDb', replica ? replica.db : handle.db);
    // user id → [primary LSN after their last write, until when it matters]
    const written = new Map<number, [bigint, number]>();
    app.decorate('dbFor', (request: FastifyRequest): Kysely<DB> => {
      if (!replica) return handle.db;
      let need: bigint | null = null;
      const header = request.headers[READ_AFTER_HEADER];
      if (typeof header === 'string') need = parseLsn(header);
      const id = (request as { user?: { id: number } | null }).user?.id;
      const mark = id === undefined ? undefined : written.get(id);
      if (mark && mark[1] > Date.now() && (need === null || mark[0] > need)) need = mark[0];
      return replica.caughtUp(need) ? replica.db : handle.db;
    });
    if (replica) {
      app.addHook('onSend', async (request, reply, payload) => {
        if (request.method === 'GET' || request.method === 'HEAD' || reply.statusCode >= 400) return payload;
        const id = (request as { user?: { id: number } | null }).user?.id;
        const lsn = await primaryLsn(handle.db).catch(() => null);
        if (lsn === null) return payload;
        if (id !== undefined) {
          written.set(id, [lsn, Date.now() + READ_AFTER_WRITE_MS]);
          if (written.size > 10_000) for (const [k, v] of written) if (v[1] <= Date.now()) written.delete(k);
        }
        reply.header(
          READ_AFTER_HEADER,
          `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`,
        );
        return payload;
      });
      app.addHook('onClose', async () => replica.close());
    }
    if (owns) app.addHook('onClose', async () => handle.close());
  },
  { name: 'db' },
);
