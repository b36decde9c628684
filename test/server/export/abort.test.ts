/**
 * An error in the middle of an export must fail the download, not end it as a short file that
 * looks complete: the writers destroy their stream, and Fastify then cuts the chunked response,
 * so the client's read fails.
 */
import { describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { csvStream, geojsonStream, xlsxStream } from '../../../server/export/writers.js';

async function* failingRows(): AsyncGenerator<{ id: number; name: string }> {
  yield { id: 1, name: '第一行' };
  yield { id: 2, name: '第二行' };
  throw new Error('database connection lost mid-export');
}

const columns = [
  { key: 'id' as const, header: '编号' },
  { key: 'name' as const, header: '名称' },
];

describe('exports that fail mid-stream', () => {
  it.each([
    ['csv', () => csvStream(columns, failingRows())],
    ['geojson', () => geojsonStream(failingRows())],
    ['xlsx', () => xlsxStream([{ name: 'sheet', columns, rows: failingRows() }])],
  ])('%s: the client sees a failed download, never a complete-looking short file', async (_kind, make) => {
    const app = Fastify({ logger: false });
    app.get('/download', async (_req, reply) => reply.type('application/octet-stream').send(make()));
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { port } = app.server.address() as { port: number };
      const res = await fetch(`http://127.0.0.1:${port}/download`);
      expect(res.status).toBe(200);
      await expect(res.arrayBuffer()).rejects.toThrow();
    } finally {
      await app.close();
    }
  });
});
