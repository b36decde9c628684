/**
 * Synthetic partition of a county outline into streets/towns, communities/villages and blocks (网格).
 *
 * No public source has the official street, community or grid boundaries of the demo county, so
 * the seed invents them: every level is a Voronoi diagram of seed points clipped to its parent.
 * The real names and codes come from the statistics code table; the shapes are made up and the app
 * must say so on screen.
 *
 * Pure functions, no database. Deterministic: the same inputs and `seed` give the same output.
 * Geometry is WGS84 / CGCS2000 longitude-latitude (EPSG:4326), rounded to 6 decimals (≈ 0.1 m).
 *
 * Voronoi cells are computed in a locally isotropic plane (longitude scaled by cos(latitude)) so
 * that cells are not stretched north–south, then mapped back: a linear map keeps the partition
 * property, so cells still tile their parent. After rounding, shared boundaries are snapped and
 * noded so that every level tiles its parent exactly (checked with PostGIS for 200 and 2,000
 * blocks: all valid, no overlaps, no gaps; at 20,000 a near-degenerate corner can leave a sliver of
 * a few m²).
 */
import { area } from '@turf/area';
import { bbox as turfBbox } from '@turf/bbox';
import { bboxClip } from '@turf/bbox-clip';
import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import { feature, featureCollection, point } from '@turf/helpers';
import { intersect } from '@turf/intersect';
import { voronoi } from '@turf/voronoi';
import type { BBox, MultiPolygon, Polygon, Position } from 'geojson';
import { gaussian, rngFor, type Rng } from './random.js';

export type AreaGeometry = Polygon | MultiPolygon;

export interface RegionFeature {
  type: 'Feature';
  geometry: AreaGeometry;
  properties: {
    code: string;
    name: string;
    level: 'street' | 'community' | 'block';
    parent_code: string;
  };
}

export interface StreetInput {
  code: string;
  name: string;
}

export interface CommunityInput {
  code: string;
  name: string;
  street_code: string;
}

export interface PartitionOptions {
  /** Seed of the pseudo-random generator; same seed, same partition. */
  seed: number;
  /** Target total number of blocks (default 2000). The result is close to it, and at least one per community. */
  blocks?: number;
}

export interface Partition {
  streets: RegionFeature[];
  communities: RegionFeature[];
  blocks: RegionFeature[];
}

/** Default target number of blocks for the demo county. */
export const DEFAULT_BLOCKS = 2000;

/** Block numbers are 3 digits, so a community holds at most this many blocks. */
export const MAX_BLOCKS_PER_COMMUNITY = 999;

/**
 * Plausible seat locations (lon, lat in degrees) of 长沙县's streets and towns, used as Voronoi
 * seeds for the street level. Approximate and only for the demo; keyed by name so a different
 * statistics edition with renumbered codes still matches. Urban streets sit around the county seat
 * 星沙 in the south-west; towns spread north and east. An anchor outside the given outline is
 * ignored and that street gets an evenly spread random seed instead.
 */
export const STREET_ANCHORS: Readonly<Record<string, readonly [number, number]>> = {
  星沙街道: [113.08, 28.245],
  泉塘街道: [113.13, 28.27],
  湘龙街道: [113.12, 28.215],
  㮾梨街道: [113.09, 28.15],
  长龙街道: [113.04, 28.28],
  黄兴镇: [113.16, 28.11],
  江背镇: [113.33, 28.11],
  黄花镇: [113.21, 28.19],
  春华镇: [113.26, 28.3],
  果园镇: [113.17, 28.34],
  路口镇: [113.27, 28.43],
  高桥镇: [113.42, 28.52],
  金井镇: [113.33, 28.57],
  福临镇: [113.22, 28.52],
  青山铺镇: [113.09, 28.47],
  安沙镇: [113.1, 28.38],
  北山镇: [113.03, 28.42],
  开慧镇: [113.25, 28.61],
};

/**
 * Codes of the urban streets (街道). GB/T 2260 statistics codes number 街道 001–099 and towns
 * (镇) 100–199, townships (乡) 200–399, so the 3-digit suffix decides; a name ending in 街道 counts
 * too, in case a table breaks the rule.
 */
export function urbanStreetCodes(streets: readonly StreetInput[]): Set<string> {
  return new Set(streets.filter((s) => Number(s.code.slice(6, 9)) < 100 || s.name.endsWith('街道')).map((s) => s.code));
}

/**
 * Whether a community code is a residents' committee (社区/居委会) rather than a village committee
 * (村委会): statistics codes number 居委会 001–199 and 村委会 200–399 within a street.
 */
export function isNeighbourhood(communityCode: string): boolean {
  return Number(communityCode.slice(9, 12)) < 200;
}

/**
 * Short display name of a community: drops the committee suffix of the statistics table
 * ("开元路社区居委会" → "开元路社区", "崩坎村委会" → "崩坎村", "团山新村村委会" → "团山新村").
 */
export function shortRegionName(name: string): string {
  const village = name.match(/^(.+?)(村民委员会|村委会)$/u);
  if (village) return village[1].endsWith('村') ? village[1] : `${village[1]}村`;
  const short = name.replace(/(居民委员会|居委会|委员会)$/u, '');
  return short.length > 0 ? short : name;
}

/**
 * Partition a county outline into synthetic streets, communities and blocks.
 *
 * - Streets: Voronoi cells of one seed per street (its {@link STREET_ANCHORS} seat when known and
 *   inside the outline), clipped to the outline.
 * - Communities: Voronoi cells of one seed per community inside its street, clipped to the street.
 *   In towns the 社区 (town centre) seeds cluster around the town seat, villages spread evenly.
 * - Blocks: Voronoi cells of evenly spread seeds inside each community, clipped to it. The count
 *   per community is proportional to area × density: dense in urban streets and town centres,
 *   sparse in villages, scaled so the total is close to `opts.blocks`.
 *
 * Block code = community code + 3-digit number. Numbering rule (west→east, north→south): each
 * block is represented by its Voronoi generator point (always inside the block); the points of a
 * community are cut into about √n horizontal bands of equal height (matched to the community's
 * aspect ratio), bands are numbered north to south and points west to east within a band.
 *
 * Slivers (parts under 1 m² after rounding) and empty intersections are dropped, so the number
 * of blocks can be a little under the sum of the allocated counts.
 *
 * @param outline the county outline, a VALID Polygon or MultiPolygon in lon/lat degrees (EPSG:4326)
 * @param streets street/town codes (9 digits) and names
 * @param communities community/village codes (12 digits, starting with `street_code`) and names
 * @param opts `seed` and target total `blocks` (default {@link DEFAULT_BLOCKS})
 * @throws if a code does not follow the hierarchy or a community's street is missing
 */
export function partitionCounty(
  outline: AreaGeometry,
  streets: readonly StreetInput[],
  communities: readonly CommunityInput[],
  opts: PartitionOptions,
): Partition {
  const target = opts.blocks ?? DEFAULT_BLOCKS;
  if (!Number.isFinite(target) || target < 1) throw new Error(`blocks must be a positive number, got ${target}`);
  checkCodes(streets, communities);

  const plane = planeFor(outline);
  const urban = urbanStreetCodes(streets);

  // --- streets ---------------------------------------------------------------------------------
  const streetSeeds = placeStreetSeeds(outline, streets, rngFor(opts.seed, 'streets'), plane);
  const streetCells = voronoiClip(outline, streetSeeds, plane);
  const streetFeatures: RegionFeature[] = [];
  const streetGeom = new Map<string, AreaGeometry>();
  streets.forEach((s, i) => {
    const geom = streetCells[i];
    if (!geom) throw new Error(`street ${s.code} ${s.name} got an empty area`);
    streetGeom.set(s.code, geom);
    streetFeatures.push(region(geom, s.code, s.name, 'street', s.code.slice(0, 6)));
  });

  // --- communities -----------------------------------------------------------------------------
  const communityFeatures: RegionFeature[] = [];
  for (const [i, s] of streets.entries()) {
    const members = communities.filter((c) => c.street_code === s.code);
    if (members.length === 0) continue; // a street with no communities keeps only its street polygon
    const parent = streetGeom.get(s.code)!;
    const rng = rngFor(opts.seed, 'communities', s.code);
    // Neighbourhood committees of a town cluster around its seat; villages fill the rest. In urban
    // streets everything is town, so all seeds spread evenly.
    const centre = urban.has(s.code) ? null : streetSeeds[i];
    const neighbourhoods = members.filter((c) => isNeighbourhood(c.code));
    const villages = members.filter((c) => !isNeighbourhood(c.code));
    const clustered = centre ? neighbourhoods : [];
    const spread = centre ? villages : members;
    const sigma = (0.12 * Math.sqrt(area(parent))) / 111_320; // degrees of latitude
    const seeds: Position[] = [];
    const clusteredSeeds = spreadPoints(
      parent,
      clustered.length,
      rng,
      plane,
      seeds,
      centre ? { centre, sigma } : undefined,
    );
    seeds.push(...clusteredSeeds);
    const spreadSeeds = spreadPoints(parent, spread.length, rng, plane, seeds);
    seeds.push(...spreadSeeds);
    // Codes follow the spatial order within each group, so neighbouring codes are neighbours.
    const ordered = [...assignInOrder(clustered, clusteredSeeds, plane), ...assignInOrder(spread, spreadSeeds, plane)];
    const cells = voronoiClip(
      parent,
      ordered.map((o) => o.seed),
      plane,
    );
    ordered.forEach(({ item: c }, j) => {
      const geom = cells[j];
      if (!geom) throw new Error(`community ${c.code} ${c.name} got an empty area`);
      communityFeatures.push(region(geom, c.code, c.name, 'community', c.street_code));
    });
  }

  // --- blocks ----------------------------------------------------------------------------------
  const counts = allocateBlocks(communityFeatures, urban, target);
  const blockFeatures: RegionFeature[] = [];
  communityFeatures.forEach((c, i) => {
    const n = counts[i];
    const rng = rngFor(opts.seed, 'blocks', c.properties.code);
    const seeds = spreadPoints(c.geometry, n, rng, plane, []);
    const order = spatialOrder(seeds, plane);
    const cells = voronoiClip(
      c.geometry,
      order.map((j) => seeds[j]),
      plane,
    );
    const shortName = shortRegionName(c.properties.name);
    let number = 0;
    for (const geom of cells) {
      if (!geom) continue;
      number += 1;
      const suffix = String(number).padStart(3, '0');
      blockFeatures.push(
        region(geom, c.properties.code + suffix, `${shortName}第${suffix}网格`, 'block', c.properties.code),
      );
    }
  });

  // Rounding moves the points where a Voronoi edge meets its parent's boundary off that boundary by
  // up to 0.07 m, so polygons on either side of a street or community boundary would overlap or gap
  // by thin slivers. Merging vertices closer than 0.2 m, then inserting every vertex that lies on an
  // edge into that edge, makes shared boundaries across all three levels vertex-for-vertex identical.
  const noded = nodeSharedEdges(
    snapVertices([...streetFeatures, ...communityFeatures, ...blockFeatures], plane),
    plane,
  );
  return {
    streets: noded.slice(0, streetFeatures.length),
    communities: noded.slice(streetFeatures.length, streetFeatures.length + communityFeatures.length),
    blocks: noded.slice(streetFeatures.length + communityFeatures.length),
  };
}

// -------------------------------------------------------------------------------------------------

/** Local isotropic plane: x = lon × k with k = cos(mid latitude), y = lat. */
export interface Plane {
  k: number;
}

function planeFor(geom: AreaGeometry): Plane {
  const [, south, , north] = turfBbox(geom);
  return { k: Math.cos((((south + north) / 2) * Math.PI) / 180) };
}

function region(
  geometry: AreaGeometry,
  code: string,
  name: string,
  level: RegionFeature['properties']['level'],
  parent_code: string,
): RegionFeature {
  return {
    type: 'Feature',
    geometry,
    properties: { code, name, level, parent_code },
  };
}

function checkCodes(streets: readonly StreetInput[], communities: readonly CommunityInput[]): void {
  const streetCodes = new Set<string>();
  for (const s of streets) {
    if (!/^\d{9}$/.test(s.code)) throw new Error(`street code must be 9 digits: ${s.code}`);
    if (streetCodes.has(s.code)) throw new Error(`duplicate street code ${s.code}`);
    streetCodes.add(s.code);
  }
  const seen = new Set<string>();
  for (const c of communities) {
    if (!/^\d{12}$/.test(c.code)) throw new Error(`community code must be 12 digits: ${c.code}`);
    if (!c.code.startsWith(c.street_code)) throw new Error(`community ${c.code} does not start with ${c.street_code}`);
    if (!streetCodes.has(c.street_code)) throw new Error(`community ${c.code}: unknown street ${c.street_code}`);
    if (seen.has(c.code)) throw new Error(`duplicate community code ${c.code}`);
    seen.add(c.code);
  }
}

/** Squared distance in the isotropic plane. */
function dist2(a: Position, b: Position, plane: Plane): number {
  const dx = (a[0] - b[0]) * plane.k;
  const dy = a[1] - b[1];
  return dx * dx + dy * dy;
}

function inside(p: Position, geom: AreaGeometry): boolean {
  return booleanPointInPolygon(p, geom, { ignoreBoundary: true });
}

/** A uniformly random point inside `geom` (rejection sampling in its bounding box). */
function randomPointIn(geom: AreaGeometry, box: BBox, rng: Rng): Position {
  for (let attempt = 0; attempt < 100_000; attempt++) {
    const p: Position = [box[0] + rng() * (box[2] - box[0]), box[1] + rng() * (box[3] - box[1])];
    if (inside(p, geom)) return p;
  }
  throw new Error('could not sample a point inside the polygon (is it empty or invalid?)');
}

/**
 * `n` well-spread points inside `geom` by best-candidate sampling (Mitchell): each new point is the
 * candidate farthest from all points so far (including `existing`). With `cluster`, candidates are
 * Gaussian around `centre` (σ in degrees of latitude) instead of uniform.
 */
function spreadPoints(
  geom: AreaGeometry,
  n: number,
  rng: Rng,
  plane: Plane,
  existing: readonly Position[],
  cluster?: { centre: Position; sigma: number },
): Position[] {
  const box = turfBbox(geom);
  const placed: Position[] = [...existing];
  const out: Position[] = [];
  const candidates = cluster ? 4 : 10;
  const candidate = (): Position => {
    if (!cluster) return randomPointIn(geom, box, rng);
    for (let attempt = 0; attempt < 200; attempt++) {
      const p: Position = [
        cluster.centre[0] + (gaussian(rng) * cluster.sigma) / plane.k,
        cluster.centre[1] + gaussian(rng) * cluster.sigma,
      ];
      if (inside(p, geom)) return p;
    }
    return randomPointIn(geom, box, rng);
  };
  for (let i = 0; i < n; i++) {
    let best: Position | null = null;
    let bestD = -1;
    for (let c = 0; c < candidates; c++) {
      const p = candidate();
      let d = Infinity;
      for (const q of placed) d = Math.min(d, dist2(p, q, plane));
      if (d > bestD) {
        bestD = d;
        best = p;
      }
      if (placed.length === 0) break;
    }
    // identical points would give d3-voronoi a degenerate site; resample instead
    if (bestD === 0) {
      i--;
      continue;
    }
    placed.push(best!);
    out.push(best!);
  }
  return out;
}

/** Seeds for the street level: known anchors inside the outline first, the rest spread evenly. */
function placeStreetSeeds(outline: AreaGeometry, streets: readonly StreetInput[], rng: Rng, plane: Plane): Position[] {
  const seeds: (Position | null)[] = streets.map((s) => {
    const anchor = STREET_ANCHORS[s.name];
    return anchor && inside([anchor[0], anchor[1]], outline) ? [anchor[0], anchor[1]] : null;
  });
  const fixed = seeds.filter((p): p is Position => p !== null);
  const missing = seeds.filter((p) => p === null).length;
  const extra = spreadPoints(outline, missing, rng, plane, fixed);
  let next = 0;
  return seeds.map((p) => p ?? extra[next++]);
}

/** Pair items (in their given order, i.e. by code) with seeds in spatial order. */
function assignInOrder<T>(items: readonly T[], seeds: readonly Position[], plane: Plane) {
  const order = spatialOrder(seeds, plane);
  return items.map((item, i) => ({ item, seed: seeds[order[i]] }));
}

/**
 * Indices of `points` ordered north→south in ≈ √n equal-height bands, west→east within a band
 * (the block numbering rule).
 */
export function spatialOrder(points: readonly Position[], plane: Plane = { k: 1 }): number[] {
  const n = points.length;
  if (n === 0) return [];
  const [minX, minY, maxX, maxY] = turfBbox({ type: 'MultiPoint', coordinates: [...points] });
  const width = Math.max((maxX - minX) * plane.k, 1e-12);
  const height = Math.max(maxY - minY, 1e-12);
  const bands = Math.max(1, Math.round(Math.sqrt((n * height) / width)));
  const bandOf = (y: number) => Math.min(bands - 1, Math.floor(((maxY - y) / height) * bands));
  return points
    .map((p, i) => ({ i, band: bandOf(p[1]), x: p[0], y: p[1] }))
    .sort((a, b) => a.band - b.band || a.x - b.x || b.y - a.y)
    .map((e) => e.i);
}

/**
 * Voronoi cells of `seeds` clipped to `parent`, one entry per seed (null if the clipped cell is
 * empty or only slivers). A single seed gets the whole parent.
 */
function voronoiClip(parent: AreaGeometry, seeds: readonly Position[], plane: Plane): (AreaGeometry | null)[] {
  if (seeds.length === 0) return [];
  if (seeds.length === 1) return [tidy(parent)];
  const [w, s, e, n] = turfBbox(parent);
  const margin = Math.max(e - w, n - s) * 0.05 + 1e-6;
  const k = plane.k;
  // Voronoi in the isotropic plane (x scaled by k), then the cell vertices are scaled back.
  const cells = voronoi(featureCollection(seeds.map((p) => point([p[0] * k, p[1]]))), {
    bbox: [(w - margin) * k, s - margin, (e + margin) * k, n + margin],
  });
  const parentFeature = feature(parent);
  return cells.features.map((cell) => {
    if (!cell || !cell.geometry) return null;
    const ring = cell.geometry.coordinates[0].map(([x, y]) => [x / k, y]);
    const cellPolygon: Polygon = { type: 'Polygon', coordinates: [ring] };
    // Clipping big parents with polyclip (exact arithmetic) is slow, so first cut the parent to the
    // cell's bounding box (cheap, same result inside the box). Most cells lie wholly inside their
    // parent: then the cut is the box itself and the cell needs no clipping at all.
    const box = turfBbox(cellPolygon);
    const local = nonEmptyParts(bboxClip(parentFeature, box).geometry as AreaGeometry);
    if (!local) return null;
    if (isWholeBox(local, box)) return tidy(cellPolygon);
    const clipped = intersect(featureCollection([feature(cellPolygon), feature(local)]));
    return clipped ? tidy(clipped.geometry) : null;
  });
}

/** Drop the empty polygons bboxClip leaves in a MultiPolygon; null when nothing is left. */
function nonEmptyParts(geom: AreaGeometry): AreaGeometry | null {
  const polys = (geom.type === 'Polygon' ? [geom.coordinates] : geom.coordinates).filter((p) => p.length > 0);
  if (polys.length === 0) return null;
  return polys.length === 1 ? { type: 'Polygon', coordinates: polys[0] } : { type: 'MultiPolygon', coordinates: polys };
}

/**
 * True if `geom` is one ring covering exactly the box `b`: every vertex on the box's boundary
 * (Sutherland–Hodgman leaves collinear extra points there) and the full box area.
 */
function isWholeBox(geom: AreaGeometry, b: BBox): boolean {
  if (geom.type !== 'Polygon' || geom.coordinates.length !== 1) return false;
  const ring = geom.coordinates[0];
  let twiceArea = 0;
  for (let i = 0; i < ring.length; i++) {
    const [x, y] = ring[i];
    if (x !== b[0] && x !== b[2] && y !== b[1] && y !== b[3]) return false;
    // shoelace relative to the box corner: absolute lon × lat products would cancel catastrophically
    const [x2, y2] = ring[(i + 1) % ring.length];
    twiceArea += (x - b[0]) * (y2 - b[1]) - (x2 - b[0]) * (y - b[1]);
  }
  const boxArea = (b[2] - b[0]) * (b[3] - b[1]);
  return Math.abs(Math.abs(twiceArea) / 2 - boxArea) <= boxArea * 1e-7;
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

/**
 * Vertices closer than this to an edge (degrees of latitude, ≈ 0.2 m) are taken to lie on it:
 * 6-decimal rounding moves a point by at most 0.5e-6° per axis, and the edge's own ends moved too.
 */
const NODE_TOLERANCE = 2e-6;
const NODE_GRID = 0.002;

/**
 * Merge vertices closer than {@link NODE_TOLERANCE} (greedily, in input order, so deterministically)
 * and drop the repeated positions and collapsed rings that leaves. A feature that would vanish keeps
 * its geometry.
 */
function snapVertices(features: readonly RegionFeature[], plane: Plane): RegionFeature[] {
  const tol2 = NODE_TOLERANCE * NODE_TOLERANCE;
  const cellKey = (cx: number, cy: number) => cx * 1_000_003 + cy;
  const grid = new Map<number, Position[]>();
  const representative = new Map<string, Position>();
  const snap = (p: Position): Position => {
    const key = `${p[0]},${p[1]}`;
    const known = representative.get(key);
    if (known) return known;
    const cx = Math.floor(p[0] / NODE_GRID);
    const cy = Math.floor(p[1] / NODE_GRID);
    let found: Position | null = null;
    for (let x = cx - 1; x <= cx + 1 && !found; x++) {
      for (let y = cy - 1; y <= cy + 1 && !found; y++) {
        for (const q of grid.get(cellKey(x, y)) ?? []) {
          if (dist2(p, q, plane) <= tol2) {
            found = q;
            break;
          }
        }
      }
    }
    if (!found) {
      found = p;
      const cell = grid.get(cellKey(cx, cy));
      if (cell) cell.push(p);
      else grid.set(cellKey(cx, cy), [p]);
    }
    representative.set(key, found);
    return found;
  };
  const snapRing = (ring: Position[]): Position[] => {
    const out: Position[] = [];
    for (const p of ring) {
      const q = snap(p);
      const last = out[out.length - 1];
      if (!last || last[0] !== q[0] || last[1] !== q[1]) out.push(q);
    }
    return out;
  };
  return features.map((f) => {
    const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
    const kept: Position[][][] = [];
    for (const poly of polys) {
      const rings = poly.map(snapRing);
      if (rings[0].length < 4) continue;
      kept.push(rings.filter((r) => r.length >= 4));
    }
    if (kept.length === 0) return f;
    const geometry: AreaGeometry =
      kept.length === 1 ? { type: 'Polygon', coordinates: kept[0] } : { type: 'MultiPolygon', coordinates: kept };
    return { ...f, geometry };
  });
}

/**
 * Insert into every edge the vertices (of any feature) that lie on it within
 * {@link NODE_TOLERANCE}, in order along the edge, so shared boundaries become vertex-for-vertex
 * identical. Only vertices that continue along the edge's line (one of their ring neighbours is on
 * that line too) are inserted: a vertex that merely comes close to an edge, such as a Voronoi
 * vertex just inside a parent's boundary, is left alone, since inserting it would fold the ring.
 * Returns new features; nothing else changes.
 */
function nodeSharedEdges(features: readonly RegionFeature[], plane: Plane): RegionFeature[] {
  const k = plane.k;
  const id = (p: Position) => `${p[0]},${p[1]}`;
  const cellKey = (cx: number, cy: number) => cx * 1_000_003 + cy;
  const grid = new Map<number, Position[]>();
  const neighbours = new Map<string, Position[]>();
  for (const f of features) {
    const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
    for (const ring of polys.flat()) {
      for (let i = 0; i + 1 < ring.length; i++) {
        const p = ring[i];
        const prev = ring[i === 0 ? ring.length - 2 : i - 1];
        const next = ring[i + 1];
        const key = id(p);
        const list = neighbours.get(key);
        if (list) {
          list.push(prev, next);
          continue;
        }
        neighbours.set(key, [prev, next]);
        const cell = cellKey(Math.floor(p[0] / NODE_GRID), Math.floor(p[1] / NODE_GRID));
        const bucket = grid.get(cell);
        if (bucket) bucket.push(p);
        else grid.set(cell, [p]);
      }
    }
  }
  const tol2 = NODE_TOLERANCE * NODE_TOLERANCE;
  const nodeRing = (ring: Position[]): Position[] => {
    // candidates per edge; a vertex near a corner can qualify for both edges meeting there, so each
    // vertex goes only to the edge it is closest to
    const best = new Map<string, { edge: number; t: number; d2: number; p: Position }>();
    // the ring's own vertices are never inserted into its edges: that would fold it onto itself
    const own = new Set(ring.map(id));
    for (let i = 0; i + 1 < ring.length; i++) {
      const a = ring[i];
      const b = ring[i + 1];
      const ex = (b[0] - a[0]) * k;
      const ey = b[1] - a[1];
      const len2 = ex * ex + ey * ey;
      if (len2 === 0) continue;
      /** Squared distance from q to the line through a and b, and q's parameter along a→b. */
      const fromLine = (q: Position) => {
        const qx = (q[0] - a[0]) * k;
        const qy = q[1] - a[1];
        const t = (qx * ex + qy * ey) / len2;
        const dx = qx - t * ex;
        const dy = qy - t * ey;
        return { t, d2: dx * dx + dy * dy };
      };
      const pad = NODE_TOLERANCE / k;
      const cx0 = Math.floor((Math.min(a[0], b[0]) - pad) / NODE_GRID);
      const cx1 = Math.floor((Math.max(a[0], b[0]) + pad) / NODE_GRID);
      const cy0 = Math.floor((Math.min(a[1], b[1]) - NODE_TOLERANCE) / NODE_GRID);
      const cy1 = Math.floor((Math.max(a[1], b[1]) + NODE_TOLERANCE) / NODE_GRID);
      for (let cx = cx0; cx <= cx1; cx++) {
        for (let cy = cy0; cy <= cy1; cy++) {
          for (const p of grid.get(cellKey(cx, cy)) ?? []) {
            if ((p[0] === a[0] && p[1] === a[1]) || (p[0] === b[0] && p[1] === b[1])) continue;
            const { t, d2 } = fromLine(p);
            if (t <= 0 || t >= 1 || d2 > tol2) continue;
            // a vertex this close to an end of the edge is that end for practical purposes
            if (dist2(p, a, plane) <= tol2 || dist2(p, b, plane) <= tol2) continue;
            const key = id(p);
            if (own.has(key)) continue;
            const previous = best.get(key);
            if (previous && previous.d2 <= d2) continue;
            // along the edge's line: some ring neighbour of p heads the same way (its offset from the
            // line, scaled down to the edge's length, is within tolerance)
            const edgeLength = Math.sqrt(len2);
            const alongLine = neighbours.get(key)!.some((q) => {
              if (q[0] === p[0] && q[1] === p[1]) return false;
              const reach = Math.sqrt(dist2(p, q, plane));
              return Math.sqrt(fromLine(q).d2) * Math.min(1, edgeLength / reach) <= NODE_TOLERANCE;
            });
            if (alongLine) best.set(key, { edge: i, t, d2, p });
          }
        }
      }
    }
    if (best.size === 0) return ring;
    const byEdge = new Map<number, { t: number; p: Position }[]>();
    for (const { edge, t, p } of best.values()) {
      const list = byEdge.get(edge);
      if (list) list.push({ t, p });
      else byEdge.set(edge, [{ t, p }]);
    }
    const out: Position[] = [];
    for (let i = 0; i + 1 < ring.length; i++) {
      out.push(ring[i]);
      const inserted = byEdge.get(i);
      if (inserted) for (const { p } of inserted.sort((u, v) => u.t - v.t)) out.push(p);
    }
    out.push(ring[ring.length - 1]);
    return out;
  };
  return features.map((f) => {
    const geometry: AreaGeometry =
      f.geometry.type === 'Polygon'
        ? { type: 'Polygon', coordinates: f.geometry.coordinates.map(nodeRing) }
        : { type: 'MultiPolygon', coordinates: f.geometry.coordinates.map((poly) => poly.map(nodeRing)) };
    return { ...f, geometry, properties: { ...f.properties } };
  });
}

/** Minimum area (m²) of a polygon part worth keeping after rounding. */
const MIN_PART_AREA = 1;

/**
 * Round to 6 decimals, drop repeated consecutive positions, degenerate rings and parts under
 * {@link MIN_PART_AREA}; returns a Polygon for one part, a MultiPolygon for several, null for none.
 */
function tidy(geom: AreaGeometry): AreaGeometry | null {
  const polygons = geom.type === 'Polygon' ? [geom.coordinates] : geom.coordinates;
  const kept: Position[][][] = [];
  for (const poly of polygons) {
    const rings: Position[][] = [];
    for (const [r, ring] of poly.entries()) {
      const clean: Position[] = [];
      for (const [x, y] of ring) {
        const p = [round6(x), round6(y)];
        const last = clean[clean.length - 1];
        if (!last || last[0] !== p[0] || last[1] !== p[1]) clean.push(p);
      }
      const first = clean[0];
      const last = clean[clean.length - 1];
      if (first && (first[0] !== last[0] || first[1] !== last[1])) clean.push([first[0], first[1]]);
      if (clean.length < 4) {
        if (r === 0) break; // the outer ring collapsed: drop the whole part
        continue;
      }
      rings.push(clean);
    }
    if (rings.length === 0) continue;
    if (area({ type: 'Polygon', coordinates: [rings[0]] }) < MIN_PART_AREA) continue;
    kept.push(rings);
  }
  if (kept.length === 0) return null;
  return kept.length === 1 ? { type: 'Polygon', coordinates: kept[0] } : { type: 'MultiPolygon', coordinates: kept };
}

/**
 * Blocks per community: one each, plus the rest of `target` shared in proportion to
 * area × density (largest-remainder rounding, so the sum is exactly `target` when that is at least
 * the number of communities), capped at {@link MAX_BLOCKS_PER_COMMUNITY}. Density (relative, per
 * km²): urban 社区 24, urban village 3, town-centre 社区 8, village 1 — roughly how grid sizes differ
 * between a county seat and farmland.
 */
function allocateBlocks(communities: readonly RegionFeature[], urban: ReadonlySet<string>, target: number): number[] {
  const weights = communities.map((c) => {
    const km2 = area(c.geometry) / 1e6;
    const isUrban = urban.has(c.properties.parent_code);
    const neighbourhood = isNeighbourhood(c.properties.code);
    const density = isUrban ? (neighbourhood ? 24 : 3) : neighbourhood ? 8 : 1;
    return km2 * density;
  });
  const total = weights.reduce((a, b) => a + b, 0) || 1;
  const extra = Math.max(0, Math.round(target) - communities.length);
  const shares = weights.map((w) => (extra * w) / total);
  const counts = shares.map((x) => 1 + Math.floor(x));
  let left = extra - shares.reduce((sum, x) => sum + Math.floor(x), 0);
  const byRemainder = shares.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of byRemainder) {
    if (left-- <= 0) break;
    counts[i] += 1;
  }
  return counts.map((n) => Math.min(MAX_BLOCKS_PER_COMMUNITY, n));
}
