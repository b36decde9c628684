/** The database as a named plugin: `app.db` (Kysely<DB>) and `app.dbInfo`; closes on shutdown. */
import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/types.js';
import type { DbHandle, Backend } from '../../db/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    db: Kysely<DB>;
    dbInfo: { backend: Backend; hasMvt: boolean };
    /** The handle itself, for the health check's own connection (`ping`). */
    dbHandle: DbHandle;
  }
}

export interface DbPluginOptions {
  handle: DbHandle;
  /** Close the handle when the app closes (false when a test owns it). */
  owns: boolean;
}

export default fp<DbPluginOptions>(
  async (app, { handle, owns }) => {
    app.decorate('db', handle.db);
    app.decorate('dbInfo', { backend: handle.backend, hasMvt: handle.hasMvt });
    app.decorate('dbHandle', handle);
    if (owns) app.addHook('onClose', async () => handle.close());
  },
  { name: 'db' },
);
