/**
 * The CSV import's parse and validation alone, in Node, without a database or HTTP (issue 15
 * part 4): how much of an import is the parse, and what csv-parse itself costs beside it.
 *
 *   N=1000000 npx tsx bench/import-parse.ts route            # validateProblemCsvStream, as the route
 *   N=1000000 npx tsx bench/import-parse.ts csv-parse        # csv-parse alone over the bytes (the floor)
 *   N=1000000 npx tsx bench/import-parse.ts csv-parse-info   # … with info: true (the old way)
 *   N=1000000 npx tsx bench/import-parse.ts csv-parse-text   # … over iconv-lite's decoded text (the old way)
 *
 * The file is generated here (same columns and kinds of values as bench/bulk-http.ts), held in
 * memory and fed in 64 KB chunks (CHUNK_KB); RUNS runs (default 3), each printing its time and the RSS after.
 */
import { Readable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';
import { validateProblemCsvStream, csvTextStream, type Rejection } from '../domain/problem-import.js';
import { DEFAULT_CATEGORIES } from '../db/seed/categories.js';

const N = Number(process.env.N ?? 100_000);
const RUNS = Number(process.env.RUNS ?? 3);
const mode = process.argv[2] ?? 'route';

const lines: string[] = ['经度,纬度,事项,描述,地址,来源,等级,上报时间\n'];
for (let k = 0; k < N; k++) {
  const c = DEFAULT_CATEGORIES[k % DEFAULT_CATEGORIES.length];
  const day = String(1 + (k % 28)).padStart(2, '0');
  lines.push(
    `${(120 + (k % 1000) / 10000).toFixed(6)},${(30 + (k % 777) / 10000).toFixed(6)},${k % 2 ? c.code : c.name},批量导入第${k + 1}条,测试路${k % 500}号,${k % 3 ? '巡查' : '市民'},${1 + (k % 3)},2026-11-${day} 10:${String(k % 60).padStart(2, '0')}\n`,
  );
}
const file = Buffer.from(lines.join(''), 'utf8');
lines.length = 0;
const categories = new Map<string, string>();
for (const c of DEFAULT_CATEGORIES) {
  categories.set(c.code, c.code);
  categories.set(c.name, c.code);
}
const ctx = { crs: 'wgs84' as const, categories, now: new Date() };
/** Read size: 64 KB as the route reads its spooled file (CHUNK_KB to try another). */
const CHUNK = Number(process.env.CHUNK_KB ?? 64) * 1024;
const chunks = () => {
  const out: Buffer[] = [];
  for (let i = 0; i < file.length; i += CHUNK) out.push(file.subarray(i, i + CHUNK));
  return Readable.from(out);
};

for (let run = 0; run < RUNS; run++) {
  const t = performance.now();
  let n = 0;
  if (mode === 'route') {
    const report = { rejected: [] as Rejection[], total: 0 };
    for await (const rows of validateProblemCsvStream(csvTextStream(chunks(), true), ctx, report)) n += rows.length;
  } else {
    const source = mode === 'csv-parse-text' ? chunks().pipe(iconv.decodeStream('utf8', { stripBOM: true })) : chunks();
    const parser = source.pipe(
      parse({ info: mode === 'csv-parse-info', bom: true, relax_column_count: true, skip_empty_lines: true }),
    );
    for await (const _ of parser) n++;
  }
  console.log(
    `${mode} run ${run}: ${n} records in ${Math.round(performance.now() - t)} ms; RSS ${Math.round(process.memoryUsage().rss / 1e6)} MB`,
  );
}
