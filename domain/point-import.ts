/**
 * Parsing and row-level validation of an assessment-point import (CSV or GeoJSON), with the same
 * machinery and rules as the problem import (domain/problem-import.ts): UTF-8 or GBK CSV, physical
 * line numbers, every bad row named, coordinates converted to WGS84 at the edge. Block assignment
 * and writing are SQL's job (db/queries/points.ts `importPoints`).
 */
import { toWgs84, type InputCrs } from './coords.js';
import { readCsvRecords, readGeoJsonFeatures, readLonLat, text, type Rejection } from './problem-import.js';

/** A point to create; geometry in WGS84 (a Point, or a small Polygon / MultiPolygon). */
export interface NewPoint {
  type_code: string;
  name: string;
  address: string | null;
  unit: string | null;
  ref: string | null;
  geometry: { type: 'Point' | 'Polygon' | 'MultiPolygon'; coordinates: unknown };
}

export interface PointImportRow extends NewPoint {
  /** CSV physical line (header = 1) or GeoJSON feature index (0-based). */
  line: number;
}

export interface ParsedPointImport {
  rows: PointImportRow[];
  rejected: Rejection[];
  total: number;
}

/** Point type code or name (主次干道, 农贸(集贸)市场, 农贸市场 …) → type code. */
export type PointTypeLookup = ReadonlyMap<string, string>;

export interface PointImportContext {
  crs: InputCrs;
  types: PointTypeLookup;
}

/** A point's polygon may span at most this many degrees either way (~1.1 km): points are places, not areas. */
export const MAX_POINT_EXTENT_DEG = 0.01;

type Field = 'lon' | 'lat' | 'type' | 'name' | 'address' | 'unit' | 'ref';

const ALIASES: Readonly<Record<Field, readonly string[]>> = {
  lon: ['lon', 'lng', 'long', 'longitude', 'x', '经度'],
  lat: ['lat', 'latitude', 'y', '纬度'],
  type: ['type', 'type_code', 'point_type', '类型', '点位类型', '类别'],
  name: ['name', '名称', '点位名称'],
  address: ['address', '地址', '位置'],
  unit: ['unit', 'responsible_unit', '责任单位'],
  ref: ['ref', 'code', 'id', '编号', '点位编号'],
};

const isRejection = (r: object): r is Rejection => 'reason' in r;

function validateFields(
  raw: Partial<Record<Field, unknown>>,
  line: number,
  ctx: PointImportContext,
): Omit<PointImportRow, 'geometry'> | Rejection {
  const typeText = text(raw.type);
  if (typeText === '')
    return {
      line,
      reason: 'type is required (a code such as FARMERS_MARKET or a name such as 农贸市场)',
      code: 'point_type_required',
      params: {},
    };
  const type_code = ctx.types.get(typeText) ?? ctx.types.get(typeText.toUpperCase());
  if (!type_code)
    return {
      line,
      reason: `unknown point type ${JSON.stringify(typeText)}`,
      code: 'point_type_unknown',
      params: { value: typeText },
    };
  const name = text(raw.name);
  if (name === '') return { line, reason: 'name is required', code: 'name_required', params: {} };
  if (name.length > 200)
    return { line, reason: 'name is longer than 200 characters', code: 'name_too_long', params: { max: 200 } };
  return {
    line,
    type_code,
    name,
    address: text(raw.address) || null,
    unit: text(raw.unit) || null,
    ref: text(raw.ref) || null,
  };
}

/** Duplicate refs inside one file are refused (each occurrence after the first is named). */
function refuseDuplicateRefs(rows: PointImportRow[], rejected: Rejection[]): PointImportRow[] {
  const seen = new Map<string, number>();
  return rows.filter((r) => {
    if (r.ref === null) return true;
    const first = seen.get(r.ref);
    if (first !== undefined) {
      rejected.push({
        line: r.line,
        reason: `ref ${JSON.stringify(r.ref)} repeats line ${first}`,
        code: 'ref_repeated',
        params: { ref: String(r.ref), first },
      });
      return false;
    }
    seen.set(r.ref, r.line);
    return true;
  });
}

/** Parses a CSV of points (one lon/lat each). */
export function parsePointCsv(bytes: Uint8Array, ctx: PointImportContext): ParsedPointImport {
  const records = readCsvRecords(bytes, ALIASES, {
    lon: 'lon or 经度',
    lat: 'lat or 纬度',
    type: 'type or 类型',
    name: 'name or 名称',
  });
  const rows: PointImportRow[] = [];
  const rejected: Rejection[] = [];
  for (const { line, raw } of records) {
    const fields = validateFields(raw, line, ctx);
    if (isRejection(fields)) {
      rejected.push(fields);
      continue;
    }
    const pos = readLonLat(raw.lon, raw.lat);
    if (!Array.isArray(pos)) {
      rejected.push({ line, ...pos });
      continue;
    }
    rows.push({ ...fields, geometry: { type: 'Point', coordinates: toWgs84(pos[0], pos[1], ctx.crs) } });
  }
  const kept = refuseDuplicateRefs(rows, rejected);
  rejected.sort((a, b) => a.line - b.line);
  return { rows: kept, rejected, total: records.length };
}

/**
 * Every position of a polygon's rings converted to WGS84, or the first reason a position is bad.
 * Never mutates its input.
 */
function convertRings(rings: unknown, crs: InputCrs): unknown[][] | string {
  if (!Array.isArray(rings) || rings.length === 0) return 'a polygon needs at least one ring';
  const out: unknown[][] = [];
  for (const ring of rings) {
    if (!Array.isArray(ring) || ring.length < 4) return 'a polygon ring needs at least 4 positions';
    const converted: [number, number][] = [];
    for (const p of ring) {
      if (!Array.isArray(p)) return 'a position must be [longitude, latitude]';
      const pos = readLonLat(p[0], p[1]);
      if (!Array.isArray(pos)) return pos.reason;
      converted.push(toWgs84(pos[0], pos[1], crs));
    }
    const [a, z] = [ring[0] as unknown[], ring[ring.length - 1] as unknown[]];
    if (Number(a[0]) !== Number(z[0]) || Number(a[1]) !== Number(z[1]))
      return 'a polygon ring must end where it starts (unclosed ring)';
    out.push(converted);
  }
  return out;
}

function extentOf(rings: unknown): number {
  const xs: number[] = [];
  const ys: number[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v) && typeof v[0] === 'number') {
      xs.push(v[0] as number);
      ys.push(v[1] as number);
    } else if (Array.isArray(v)) v.forEach(walk);
  };
  walk(rings);
  return Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
}

/** Parses a GeoJSON FeatureCollection of Points or small Polygons / MultiPolygons. */
export function parsePointGeoJson(body: unknown, ctx: PointImportContext): ParsedPointImport {
  const { features, rejected, total } = readGeoJsonFeatures(body, ['Point', 'Polygon', 'MultiPolygon']);
  const rows: PointImportRow[] = [];
  for (const { index, geometry, properties } of features) {
    const lower = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k.trim().toLowerCase(), v]));
    const raw: Partial<Record<Field, unknown>> = {};
    for (const f of Object.keys(ALIASES) as Field[]) {
      const alias = ALIASES[f].find((a) => a in lower);
      if (alias) raw[f] = lower[alias];
    }
    const fields = validateFields(raw, index, ctx);
    if (isRejection(fields)) {
      rejected.push(fields);
      continue;
    }
    let geom: NewPoint['geometry'];
    if (geometry.type === 'Point') {
      const c = geometry.coordinates as unknown[];
      const pos = readLonLat(c[0], c[1]);
      if (!Array.isArray(pos)) {
        rejected.push({ line: index, ...pos });
        continue;
      }
      geom = { type: 'Point', coordinates: toWgs84(pos[0], pos[1], ctx.crs) };
    } else {
      const polys = geometry.type === 'Polygon' ? [geometry.coordinates] : (geometry.coordinates as unknown[]);
      const converted: unknown[] = [];
      let reason: string | null = null;
      for (const poly of polys) {
        const c = convertRings(poly, ctx.crs);
        if (typeof c === 'string') {
          reason = c;
          break;
        }
        converted.push(c);
      }
      if (reason) {
        rejected.push({ line: index, reason, code: 'polygon_invalid', params: {} });
        continue;
      }
      if (extentOf(converted) > MAX_POINT_EXTENT_DEG) {
        rejected.push({
          line: index,
          reason: `the polygon spans more than ${MAX_POINT_EXTENT_DEG}° (about 1 km): a point is a place, not an area`,
          code: 'polygon_too_large',
          params: { max_deg: MAX_POINT_EXTENT_DEG },
        });
        continue;
      }
      geom =
        geometry.type === 'Polygon'
          ? { type: 'Polygon', coordinates: converted[0] }
          : { type: 'MultiPolygon', coordinates: converted };
    }
    rows.push({ ...fields, geometry: geom });
  }
  const kept = refuseDuplicateRefs(rows, rejected);
  rejected.sort((a, b) => a.line - b.line);
  return { rows: kept, rejected, total };
}
