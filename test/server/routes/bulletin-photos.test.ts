/**
 * The bulletin's oldest overdue items carry their first report photo: its thumbnail embedded in
 * the Word document (an image part under word/media) and its address in the workbook's row.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import ExcelJS from 'exceljs';
import { BACKENDS } from '../../helpers/db.js';
import { useApp } from '../../helpers/app.js';
import { auth, MANAGER_BLOCK } from '../../helpers/world.js';
import { insertProblemRows } from '../../helpers/problems.js';
import { jpeg, multipartBody } from '../../helpers/photos.js';

const scratch: string[] = [];
afterAll(() => scratch.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** `unzip -l` of a DOCX: the names of its parts; and one part's bytes (`unzip -p`). */
function docxParts(docx: Buffer): { names: string[]; part: (name: string) => Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'bulletin-photo-'));
  scratch.push(dir);
  const file = join(dir, 'b.docx');
  writeFileSync(file, docx);
  const listing = execFileSync('unzip', ['-l', file]).toString('utf8');
  const names = [...listing.matchAll(/\s(\S+)\s*$/gm)].map((m) => m[1]).filter((n) => n.includes('/'));
  return { names, part: (name) => execFileSync('unzip', ['-p', file, name]) };
}

const thumbFiles = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.thumb.jpg'));

describe.each(BACKENDS)('bulletin photos on $name', (backend) => {
  const photoDir = mkdtempSync(join(tmpdir(), `pm-bulletin-photos-${backend.name}-`));
  const t = useApp(backend, { world: 'once', config: { photoDir } });
  afterAll(() => rmSync(photoDir, { recursive: true, force: true }));
  const get = (url: string) => t.app.inject({ method: 'GET', url, headers: auth(t.world.tokens.leader) });
  const jpegs = (names: string[]) => names.filter((n) => /^word\/media\/.+\.jpe?g$/.test(n));

  it('an overdue item with a report photo shows its thumbnail in the DOCX and its link in the XLSX', async () => {
    // One item, filed 10-06 with a deadline of 10-08 and still open: overdue in the week of 10-05.
    await insertProblemRows(t.handle.db, [
      { block: MANAGER_BLOCK, status: 'filed', reported: '2026-10-06 09:00', due: '2026-10-08 09:00' },
    ]);
    const problemId = Number(
      (await sql<{ id: number }>`SELECT max(id) AS id FROM problems`.execute(t.handle.db)).rows[0].id,
    );

    // Before the photo: the item is listed, the document holds the two chart images only (PNG).
    const before = docxParts((await get('/api/bulletins/county.docx?week=2026-10-05')).rawPayload);
    expect(before.names.filter((n) => n.startsWith('word/media/')).length).toBe(2);
    expect(jpegs(before.names)).toEqual([]);

    const body = await multipartBody({ data: await jpeg(), name: 'p.jpg', type: 'image/jpeg' }, { kind: 'report' });
    const up = await t.app.inject({
      method: 'POST',
      url: '/api/photos',
      headers: { ...auth(t.world.tokens.inspector), ...body.headers },
      payload: body.payload,
    });
    expect(up.statusCode, up.body).toBe(201);
    const photoId = up.json().id;
    await sql`UPDATE photos SET problem_id = ${problemId}, region_code = ${MANAGER_BLOCK}, attached_at = now()
      WHERE id = ${photoId}`.execute(t.handle.db);

    const json = (await get('/api/bulletins/county?week=2026-10-05')).json();
    expect(json.oldest_overdue.map((o: { id: number; photos: string[] }) => [o.id, o.photos])).toEqual([
      [problemId, [`/api/photos/${photoId}/thumb`]],
    ]);

    const res = await get('/api/bulletins/county.docx?week=2026-10-05');
    expect(res.statusCode).toBe(200);
    const after = docxParts(res.rawPayload);
    expect(after.names.filter((n) => n.startsWith('word/media/')).length).toBe(3);
    const [image] = jpegs(after.names);
    expect(image).toBeDefined();
    // The embedded image is the thumbnail file the photo store wrote at upload.
    const [thumb] = thumbFiles(photoDir);
    expect(after.part(image).equals(readFileSync(join(photoDir, thumb)))).toBe(true);
    const xml = after.part('word/document.xml').toString('utf8');
    expect(xml).not.toContain('照片库尚未启用');

    const x = await get('/api/bulletins/county.xlsx?week=2026-10-05');
    expect(x.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(x.rawPayload as unknown as ArrayBuffer);
    const rows: unknown[][] = [];
    wb.getWorksheet('超期事项')!.eachRow((r) => rows.push((r.values as unknown[]).slice(1)));
    const row = rows.find((r) => r[0] === problemId)!;
    expect(row).toBeDefined();
    expect(row[row.length - 1]).toBe(`/api/photos/${photoId}/thumb`);
  });
});
