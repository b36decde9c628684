/**
 * A CSV download written by PostgreSQL: `COPY (query) TO STDOUT (FORMAT csv)` through
 * pg-copy-streams on a connection of its own, after the BOM and the header the Node writer
 * (`csvStream`) writes, so the file is the same to Excel and to a CSV reader. Node only passes
 * bytes on (memory stays at a few 64 kB chunks, with backpressure from the client); an error
 * midway destroys the stream, so the client sees a failed download, never a short file; a client
 * that goes away ends the COPY.
 */
import { PassThrough, type Readable } from 'node:stream';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { stringify } from 'csv-stringify/sync';
import type { Column } from './writers.js';

/** A long download must not be cut by the pool's statement timeout; bounded all the same. */
const COPY_STATEMENT_TIMEOUT = '1800s';

export function copyCsvStream(pool: pg.Pool, columns: readonly Column<any>[], query: string): Readable {
  const out = new PassThrough();
  out.write(`\uFEFF${stringify([columns.map((c) => c.header)])}`);
  (async () => {
    const client = await pool.connect();
    let failed: Error | undefined;
    try {
      // JIT compiles the formatting expressions in every parallel worker (~2 s each at S under load,
      // measured with EXPLAIN ANALYZE) and gains nothing on a scan this simple.
      await client.query(`SET statement_timeout = '${COPY_STATEMENT_TIMEOUT}'; SET jit = off`);
      const copy = client.query(copyTo(`COPY (${query}) TO STDOUT (FORMAT csv)`));
      await new Promise<void>((resolve, reject) => {
        copy.on('error', reject);
        copy.on('end', resolve);
        out.on('close', () => {
          if (!out.writableFinished) reject(new Error('client went away'));
        });
        copy.pipe(out, { end: false });
      });
      out.end();
    } catch (err) {
      failed = err as Error;
      out.destroy(failed);
    } finally {
      // The connection carries the session's timeout (and, after an abort, an unfinished COPY): close it.
      client.release(failed ?? true);
    }
  })().catch((err) => out.destroy(err as Error));
  return out;
}
