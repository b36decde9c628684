/**
 * The OpenAPI 3 document (/api/docs/json) describes every route the app serves: each operation has
 * a declared tag and a summary, and the main jobs carry examples.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { BACKENDS } from '../helpers/db.js';
import { buildTestApp } from '../helpers/app.js';
import type { DbHandle } from '../../db/index.js';

interface Operation {
  tags?: string[];
  summary?: string;
  requestBody?: {
    content: Record<string, { schema?: { examples?: unknown[] }; examples?: unknown; example?: unknown }>;
  };
}
type Doc = { tags: { name: string; description: string }[]; paths: Record<string, Record<string, Operation>> };

/** `/api/problems/:id` → `/api/problems/{id}`, as OpenAPI writes paths. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z_]+)/g, '{$1}');

describe('OpenAPI document', () => {
  let handle: DbHandle;
  let app: FastifyInstance;
  let doc: Doc;
  beforeAll(async () => {
    handle = await BACKENDS[0].open();
    app = await buildTestApp(handle);
    const res = await app.inject({ url: '/api/docs/json' });
    expect(res.statusCode).toBe(200);
    doc = res.json();
  });
  afterAll(async () => {
    await app?.close();
    await handle?.close();
  });

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })),
    );

  it('lists every route the app serves', () => {
    const documented = new Set(operations().map((o) => o.key.replace(/\/(?=\s|$)/, '')));
    const norm = (k: string) => k.replace(/\/$/, '');
    const missing = app.routeTable
      .map((r) => `${r.method} ${openApiPath(r.url)}`)
      .filter((k) => !documented.has(norm(k)) && !operations().some((o) => norm(o.key) === norm(k)));
    expect(missing).toEqual([]);
    expect(operations().length).toBeGreaterThanOrEqual(app.routeTable.length);
  });

  it('gives every operation a declared tag and a summary', () => {
    const declared = new Set(doc.tags.map((t) => t.name));
    for (const t of doc.tags) expect(t.description.length, `tag ${t.name}`).toBeGreaterThan(5);
    const bad = operations()
      .filter(({ op }) => !op.tags?.length || !op.tags.every((t) => declared.has(t)) || !op.summary?.trim())
      .map(({ key, op }) => `${key} tags=${JSON.stringify(op.tags)} summary=${JSON.stringify(op.summary)}`);
    expect(bad).toEqual([]);
    // Every declared tag is used.
    const used = new Set(operations().flatMap(({ op }) => op.tags ?? []));
    expect([...declared].filter((t) => !used.has(t))).toEqual([]);
  });

  it('carries request examples on the main jobs', () => {
    for (const key of [
      'POST /api/auth/login',
      'POST /api/problems/',
      'POST /api/api-keys/',
      'POST /open311/v2/requests.{format}',
    ]) {
      const [method, path] = key.split(' ');
      const op = doc.paths[path]?.[method.toLowerCase()] ?? doc.paths[path.replace(/\/$/, '')]?.[method.toLowerCase()];
      expect(op, key).toBeDefined();
      const json = JSON.stringify(op!.requestBody);
      expect(json, `${key} has an example`).toMatch(/"example/);
    }
  });
});
