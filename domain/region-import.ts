/**
 * The structural rules of a region import (GeoJSON FeatureCollection → regions), before any
 * database question: codes, levels, parents, names, dates and polygon rings. Pure: the database
 * checks (parents that exist, PostGIS validity, topology) live in db/queries/regions.ts.
 */
import { CODE_LENGTH, REGION_LEVELS, type RegionLevel } from './regions.js';

/** A feature refused by the import: its 0-based index in `features`, its code when readable, why. */
export interface FeatureRejection {
  index: number;
  code: string | null;
  reason: string;
}

/** One feature after the structural check. */
export interface ParsedRegion {
  index: number;
  code: string;
  name: string;
  level: RegionLevel;
  parent_code: string | null;
  manager_name: string | null;
  manager_phone: string | null;
  valid_from: string | null;
  valid_to: string | null;
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** China's extent, degrees: used only to recognise [lat, lon] pairs in a file meant for China. */
const CHINA = { minLon: 73, maxLon: 136, minLat: 3, maxLat: 54 };

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));

/** Why a ring is structurally unusable, or null. Checks the positions PostGIS would choke on. */
function ringProblem(ring: unknown, where: string): string | null {
  if (!Array.isArray(ring)) return `${where} is not an array of positions`;
  if (ring.length < 4) return `${where} has ${ring.length} positions; a closed ring needs at least 4`;
  for (let i = 0; i < ring.length; i++) {
    const p = ring[i];
    if (!Array.isArray(p) || p.length < 2) return `${where} position ${i} is not a [lon, lat] pair`;
    const [x, y] = p as unknown[];
    if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) {
      return `${where} position ${i} [${show(x)}, ${show(y)}] has a coordinate that is not a finite number`;
    }
    // A latitude of ~113 is impossible, and [28, 113] read as [lat, lon] lands in China: swapped.
    if (x >= CHINA.minLat && x <= CHINA.maxLat && y >= CHINA.minLon && y <= CHINA.maxLon) {
      return `${where} position ${i} [${x}, ${y}] looks like [lat, lon]; GeoJSON positions are [lon, lat] (lat/lon swapped?)`;
    }
    if (x < -180 || x > 180) return `${where} position ${i}: longitude ${x} is outside −180…180`;
    if (y < -90 || y > 90) return `${where} position ${i}: latitude ${y} is outside −90…90`;
  }
  const a = ring[0] as number[];
  const b = ring[ring.length - 1] as number[];
  if (a[0] !== b[0] || a[1] !== b[1])
    return `${where} is not closed: first position [${a[0]}, ${a[1]}] differs from last [${b[0]}, ${b[1]}]`;
  return null;
}

function geometryProblem(g: unknown): string | null {
  if (!isObject(g)) return 'geometry is missing (null)';
  if (g.type !== 'Polygon' && g.type !== 'MultiPolygon')
    return `geometry type ${JSON.stringify(g.type)}: expected Polygon or MultiPolygon`;
  if (!Array.isArray(g.coordinates)) return 'geometry has no coordinates array';
  if (g.coordinates.length === 0) return 'empty geometry (no coordinates)';
  const polys: unknown[] = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  for (let p = 0; p < polys.length; p++) {
    const rings = polys[p];
    const label = g.type === 'Polygon' ? 'ring' : `polygon ${p} ring`;
    if (!Array.isArray(rings)) return `polygon ${p} is not an array of rings`;
    if (rings.length === 0 || rings.every((r) => Array.isArray(r) && r.length === 0))
      return `empty geometry (polygon ${p} has no positions)`;
    for (let r = 0; r < rings.length; r++) {
      const problem = ringProblem(rings[r], `${label} ${r}`);
      if (problem) return problem;
    }
  }
  return null;
}

function optionalText(v: unknown): string | null {
  return typeof v === 'string' && v.trim() ? v.trim() : null;
}

/**
 * The structural check of an import file, in JS, before anything reaches the database: feature
 * shape, geometry type, closed rings of ≥ 4 finite positions within lon/lat range (with a
 * lat/lon-swap hint), code digits and length for the level, code starting with the parent code,
 * duplicate codes. Whether parents exist and whether geometry is valid are database questions
 * (see {@link importRegions}). Does not mutate its input.
 */
export function checkRegionFeatures(input: unknown): { regions: ParsedRegion[]; rejected: FeatureRejection[] } {
  const rejected: FeatureRejection[] = [];
  const regions: ParsedRegion[] = [];
  if (!isObject(input) || input.type !== 'FeatureCollection' || !Array.isArray(input.features)) {
    return {
      regions,
      rejected: [{ index: -1, code: null, reason: 'body must be a GeoJSON FeatureCollection with a features array' }],
    };
  }
  if (input.features.length === 0)
    return { regions, rejected: [{ index: -1, code: null, reason: 'the FeatureCollection has no features' }] };
  const seen = new Map<string, number>();
  input.features.forEach((f: unknown, index: number) => {
    const reject = (reason: string, code: string | null = null) => rejected.push({ index, code, reason });
    if (!isObject(f) || f.type !== 'Feature') return reject('not a GeoJSON Feature');
    const props = isObject(f.properties) ? f.properties : {};
    const code =
      typeof props.code === 'string' ? props.code.trim() : typeof props.code === 'number' ? String(props.code) : null;
    if (!code) return reject('properties.code is missing');
    if (!/^\d+$/.test(code)) return reject(`code ${JSON.stringify(code)} must be digits only`, code);
    const level = props.level as RegionLevel;
    if (!REGION_LEVELS.includes(level))
      return reject(`level ${JSON.stringify(props.level)} must be one of ${REGION_LEVELS.join(', ')}`, code);
    if (code.length !== CODE_LENGTH[level])
      return reject(`a ${level} code has ${CODE_LENGTH[level]} digits, ${code} has ${code.length}`, code);
    const name = optionalText(props.name);
    if (!name) return reject('properties.name is missing or blank', code);
    const parent =
      props.parent_code === undefined || props.parent_code === null || props.parent_code === ''
        ? null
        : String(props.parent_code).trim();
    if (level === 'county') {
      if (parent !== null) return reject(`a county has no parent, got parent_code ${parent}`, code);
    } else {
      if (parent === null) return reject(`a ${level} needs parent_code`, code);
      if (parent.length !== code.length - 3)
        return reject(`parent_code ${parent} of a ${level} must have ${code.length - 3} digits`, code);
      if (!code.startsWith(parent)) return reject(`code ${code} does not start with its parent_code ${parent}`, code);
    }
    const validFrom = optionalText(props.valid_from);
    const validTo = optionalText(props.valid_to);
    for (const [k, v] of [
      ['valid_from', validFrom],
      ['valid_to', validTo],
    ] as const) {
      // Round-trip, because Date.parse rolls 2025-02-30 over to March instead of refusing it.
      if (
        v !== null &&
        (!DATE_RE.test(v) || Number.isNaN(Date.parse(v)) || new Date(v).toISOString().slice(0, 10) !== v)
      )
        return reject(`${k} ${JSON.stringify(v)} must be a date YYYY-MM-DD`, code);
    }
    if (validFrom && validTo && validTo < validFrom)
      return reject(`valid_to ${validTo} is before valid_from ${validFrom}`, code);
    const problem = geometryProblem(f.geometry);
    if (problem) return reject(problem, code);
    const first = seen.get(code);
    if (first !== undefined) return reject(`code ${code} appears twice (first at feature ${first})`, code);
    seen.set(code, index);
    regions.push({
      index,
      code,
      name,
      level,
      parent_code: parent,
      manager_name: optionalText(props.manager_name),
      manager_phone: optionalText(props.manager_phone),
      valid_from: validFrom,
      valid_to: validTo,
      geometry: f.geometry as ParsedRegion['geometry'],
    });
  });
  return { regions, rejected };
}
