/**
 * The one-way arrows of docs/architecture.md, held by reading every import in the tree:
 * web → (HTTP) → server → db → domain, and server → domain. `domain/` imports no app layer,
 * `db/` never imports `server/`, and the page reaches the server only for types (schemas).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const rel = join(dir, name);
    if (statSync(join(ROOT, rel)).isDirectory()) out.push(...sourceFiles(rel));
    else if (/\.(ts|mts|js|mjs)$/.test(name)) out.push(rel);
  }
  return out;
}

const IMPORT_RE =
  /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

/** Top-level folders a file's relative imports land in, with `import type` marked. */
function importsOf(file: string): { layer: string; typeOnly: boolean; spec: string }[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const out: { layer: string; typeOnly: boolean; spec: string }[] = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (!spec.startsWith('.')) continue;
    const target = relative(ROOT, resolve(ROOT, dirname(file), spec));
    const layer = target.split(sep)[0];
    out.push({ layer, typeOnly: /^\s*(import|export)\s+type\s/.test(m[0]), spec });
  }
  return out;
}

function violations(dir: string, allowed: (imp: { layer: string; typeOnly: boolean }) => boolean): string[] {
  return sourceFiles(dir).flatMap((f) =>
    importsOf(f)
      .filter((imp) => !allowed(imp))
      .map((imp) => `${f} → ${imp.spec}`),
  );
}

describe('the import arrows', () => {
  it('domain/ imports nothing of server/, db/ or web/', () => {
    expect(violations('domain', (i) => i.layer === 'domain')).toEqual([]);
  });

  it('db/ imports only db/ and domain/ (never server/)', () => {
    expect(violations('db', (i) => i.layer === 'db' || i.layer === 'domain')).toEqual([]);
  });

  it('server/ imports server/, db/ and domain/ (never web/)', () => {
    expect(violations('server', (i) => ['server', 'db', 'domain'].includes(i.layer))).toEqual([]);
  });

  it('web/ imports domain/ and, for types only, server/ schemas', () => {
    expect(
      violations('web/src', (i) => i.layer === 'web' || i.layer === 'domain' || (i.layer === 'server' && i.typeOnly)),
    ).toEqual([]);
  });

  it('finds the imports it checks (a rule that reads nothing proves nothing)', () => {
    const all = ['domain', 'db', 'server', 'web/src'].flatMap((d) => sourceFiles(d).flatMap(importsOf));
    expect(all.some((i) => i.layer === 'domain')).toBe(true);
    expect(all.some((i) => i.layer === 'db')).toBe(true);
    expect(all.filter((i) => i.layer === 'server' && i.typeOnly).length).toBeGreaterThan(0);
  });
});
