/**
 * Deterministic generator of synthetic problems (问题) for the demo county.
 *
 * Realism targets, so the map, heat, hotspot and statistics features have something to find:
 * - clustering: most problems come from synthetic hotspots (markets, bus stops, school gates,
 *   main-road segments, old residential compounds, building sites, shopping streets, village
 *   centres) placed mostly in urban streets and town centres, with Gaussian scatter of tens to a
 *   few hundred metres; the rest is a sparse background that follows block density and area;
 * - a plausible category mix per hotspot kind (markets → 占道经营 / 暴露垃圾 / 农贸市场…);
 * - reported_at over the last `days` days, biased to working days (China's official calendar,
 *   with 调休) and working hours in Asia/Shanghai;
 * - status from a simulated workflow (受理, 立案, 派遣, 处置, 核查, 返工), so old problems are mostly
 *   closed, recent ones mostly open, about 5 % voided, and a tail runs overdue.
 *
 * Every point lies strictly inside one of the given blocks. Pure: no I/O, inputs are not mutated.
 */
import { area } from '@turf/area';
import { bbox as turfBbox } from '@turf/bbox';
import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import chineseDays from 'chinese-days';
import type { BBox, Position } from 'geojson';
import { DEFAULT_CATEGORIES, type ClockType } from './categories.js';
import { isNeighbourhood, shortRegionName, type AreaGeometry, type RegionFeature } from './partition.js';
import { gaussian, intBetween, pick, rngFor, weightedSampler, type Rng } from './random.js';
import { DAY_MS, HOUR_MS, SHANGHAI_OFFSET_MS } from '../../domain/time.js';

export type ProblemStatus = 'reported' | 'filed' | 'dispatched' | 'in_progress' | 'resolved' | 'closed' | 'voided';
export type ProblemSource = 'inspection' | 'citizen' | 'hotline' | 'other';

export interface SeedProblem {
  lon: number;
  lat: number;
  /** 5-digit national code or local code such as `L01001`. */
  category: string;
  description: string;
  address: string;
  source: ProblemSource;
  /** 1 = ordinary, 2 = serious, 3 = urgent. */
  severity: 1 | 2 | 3;
  reporter: string;
  reported_at: Date;
  /** Status at `opts.now`: the last entry of `history`. */
  status: ProblemStatus;
  /**
   * Every status the problem went through up to `opts.now`, oldest first; the first entry is
   * `reported` at `reported_at`. A rework (返工) shows as `resolved` → `in_progress`. Lets the loader
   * write `problem_events` and `resolved_at` / `closed_at` consistently.
   */
  history: { status: ProblemStatus; at: Date }[];
}

/** A category as the generator needs it; `group` or `group_code` and `name` are optional. */
export interface ProblemCategoryRef {
  code: string;
  group?: string;
  group_code?: string;
  name?: string;
}

export interface GenerateProblemsOptions {
  seed: number;
  /** Number of problems (default 20 000). */
  count?: number;
  /** End of the period; nothing is reported after it. */
  now: Date;
  /** Length of the period in days (default 90). */
  days?: number;
  /** Codes of urban streets (街道), e.g. from `urbanStreetCodes`. */
  urban: ReadonlySet<string>;
  /** Optional display names by region code (streets, communities) for addresses. */
  names?: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
}

export const DEFAULT_PROBLEM_COUNT = 20_000;
export const DEFAULT_PROBLEM_DAYS = 90;

const M_PER_DEG_LAT = 111_320;

type HotspotKind =
  'market' | 'bus_stop' | 'school' | 'road' | 'residential' | 'construction' | 'commercial' | 'village';

interface KindSpec {
  /** Scatter around the hotspot, metres (for `road`: across the road). */
  sigma: number;
  /** Relative frequency of the kind in urban streets, town centres and villages. */
  frequency: { urban: number; town: number; village: number };
  /** Category weights; codes missing from the caller's list are ignored. */
  categories: Record<string, number>;
}

// prettier-ignore
const KINDS: Record<HotspotKind, KindSpec> = {
  market: {
    sigma: 60,
    frequency: { urban: 12, town: 25, village: 8 },
    categories: {
      '09006': 25, '06010': 20, '09020': 12, '06012': 8, '06042': 6, '09005': 6, '09001': 6,
      L02001: 6, L02002: 6, L02003: 5, L02004: 4, L01001: 4, L01002: 4,
    },
  },
  bus_stop: {
    sigma: 35,
    frequency: { urban: 22, town: 15, village: 4 },
    categories: {
      '09010': 25, '07001': 20, '09011': 12, '06010': 10, '06012': 8, '09009': 6, '03005': 6,
      '07008': 5, L03002: 6, L03001: 4,
    },
  },
  school: {
    sigma: 70,
    frequency: { urban: 14, town: 15, village: 8 },
    categories: {
      '09001': 20, '09009': 20, '09010': 12, '07002': 10, '09006': 10, '06010': 8, L03002: 8, '09015': 6,
    },
  },
  road: {
    sigma: 15,
    frequency: { urban: 18, town: 20, village: 12 },
    categories: {
      '09009': 15, '06012': 15, '09005': 12, '09006': 10, '06010': 10, '06013': 8, '07003': 6, '07006': 6,
      '08011': 5, '06051': 4, '09012': 3, '06034': 3,
    },
  },
  residential: {
    sigma: 120,
    frequency: { urban: 16, town: 5, village: 0 },
    categories: {
      '06036': 18, '06010': 15, '06007': 10, '06001': 10, '06041': 10, '06042': 8, '07001': 8, '09012': 6,
      '06035': 6, L01002: 6, L01001: 5, L03003: 4, '06028': 3,
    },
  },
  construction: {
    sigma: 90,
    frequency: { urban: 8, town: 5, village: 3 },
    categories: {
      '08004': 20, '08012': 15, '08011': 12, '08002': 12, '08005': 10, '08006': 10, '08007': 10, '06011': 8,
      '06028': 5,
    },
  },
  commercial: {
    sigma: 100,
    frequency: { urban: 10, town: 10, village: 0 },
    categories: {
      '09005': 18, '06029': 10, '06027': 10, '09002': 10, '06010': 10, '07006': 8, '09015': 8, '09010': 8,
      '07003': 6, '06028': 6, L03004: 4,
    },
  },
  village: {
    sigma: 200,
    frequency: { urban: 0, town: 10, village: 65 },
    categories: {
      '06010': 20, '06011': 12, '06020': 12, '06036': 12, '06025': 10, '06001': 10, '06030': 8, '03001': 6,
      L01002: 6, '06017': 5, '06037': 3,
    },
  },
};

/** Background (not at a hotspot) category weights; every other given category gets weight 1. */
// prettier-ignore
const BACKGROUND: Record<string, number> = {
  '06010': 12, '06012': 8, '06036': 8, '06011': 6, '07001': 8, '09009': 6, '09010': 5, '09006': 5, '06020': 4,
  '06001': 4, '06025': 3, '06042': 4, '06013': 3, L01002: 3, L03002: 3,
};

// Plausible road names of a Chinese county seat; addresses are synthetic.
// prettier-ignore
const URBAN_ROADS = [
  '开元路', '星沙大道', '人民路', '东六路', '东四路', '东八路', '板仓路', '望仙路', '漓湘路', '特立路', '天华路',
  '凉塘路', '车站路', '盼盼路', '湘龙路', '松雅路', '泉塘路', '黄兴大道', '长沙大道', '万家丽路', '螺丝塘路',
  '华润路', '映霞路', '星湖路', '金茂路', '茶园路', '牛角冲路', '杉仙岭路', '三一路', '蓝田路',
];
const TOWN_ROAD_SUFFIXES = ['大道', '路', '街', '老街', '中路', '南路', '北路'];
const SCHOOL_TYPES = ['小学', '中学', '幼儿园', '实验学校'];
const COMPOUND_NAMES = ['小区', '新村', '家园', '花园', '安置小区', '公寓'];
const SURNAMES = '王李张刘陈杨黄赵周吴徐孙马朱胡郭何罗高林彭谭邓曾唐'.split('');
// prettier-ignore
const GIVEN = ['伟', '芳', '敏', '静', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明', '超', '霞', '平', '刚', '桂英', '志华', '建国', '海燕', '小红', '文斌'];

interface Block {
  code: string;
  community: string;
  street: string;
  geometry: AreaGeometry;
  box: BBox;
  km2: number;
  setting: 'urban' | 'town' | 'village';
}

interface Hotspot {
  kind: HotspotKind;
  block: Block;
  centre: Position;
  /** For roads: the other end of the segment. */
  end?: Position;
  weight: number;
  /** Active part of the period, as fractions of it (0 = start, 1 = now). */
  window: [number, number];
  landmark: string;
  address: string;
  categories: (rng: Rng) => string;
}

/**
 * Generate `opts.count` synthetic problems inside `blocks`.
 *
 * @param blocks block regions (level `block`), e.g. `partitionCounty(...).blocks`
 * @param categories the categories to draw from (codes; names are looked up in the default
 *   categories when missing)
 * @param opts seed, count (default 20 000), now, days (default 90), urban street codes, optional names
 * @returns problems sorted by `reported_at`
 */
export function generateProblems(
  blocks: readonly RegionFeature[],
  categories: readonly ProblemCategoryRef[],
  opts: GenerateProblemsOptions,
): SeedProblem[] {
  const count = opts.count ?? DEFAULT_PROBLEM_COUNT;
  const days = opts.days ?? DEFAULT_PROBLEM_DAYS;
  if (blocks.length === 0) throw new Error('generateProblems needs at least one block');
  if (categories.length === 0) throw new Error('generateProblems needs at least one category');
  if (!(days > 0)) throw new Error(`days must be positive, got ${days}`);

  const names = toLookup(opts.names);
  const info = blocks.map((b) => toBlock(b, opts.urban));
  const index = new BlockIndex(info);
  const catalogue = new Catalogue(categories);
  const calendar = new Calendar(opts.now, days);

  const rng = rngFor(opts.seed, 'problems');
  const hotspots = placeHotspots(info, count, catalogue, names, rngFor(opts.seed, 'hotspots'));
  const pickHotspot = weightedSampler(hotspots.map((h) => h.weight));
  const pickBlockByCount = () => info[Math.floor(rng() * info.length)];
  const pickBlockByAreaIndex = weightedSampler(info.map((b) => b.km2));
  const background = catalogue.sampler(BACKGROUND, 1);
  const inspectors = Array.from({ length: 40 }, (_, i) => {
    const r = rngFor(opts.seed, 'inspector', i);
    return `督查员${pick(r, SURNAMES)}${pick(r, GIVEN)}`;
  });

  const problems: SeedProblem[] = [];
  for (let i = 0; i < count; i++) {
    const mode = rng();
    let where: { p: Position; block: Block };
    let category: string;
    let landmark: string;
    let address: string;
    let window: [number, number] = [0, 1];
    if (mode < 0.72) {
      const h = hotspots[pickHotspot(rng)];
      where = scatterAround(h, index, rng);
      category = h.categories(rng);
      landmark = h.landmark;
      address = h.address;
      window = h.window;
    } else {
      const block = mode < 0.88 ? pickBlockByCount() : info[pickBlockByAreaIndex(rng)];
      where = { p: roundedPointInBlock(block, index, rng), block };
      category = background(rng);
      const road = roadName(block, names, rng);
      landmark = road;
      address = `${placeName(block, names)}${road}${intBetween(rng, 1, 399)}号附近`;
    }
    const reportedAt = calendar.sample(rng, window);
    const source = pickSource(rng);
    const { status, history } = simulateWorkflow(reportedAt, opts.now, catalogue.limitHours(category), rng);
    problems.push({
      lon: round6(where.p[0]),
      lat: round6(where.p[1]),
      category,
      description: describe(landmark, catalogue.name(category), source, rng),
      address,
      source,
      severity: pickSeverity(catalogue.clock(category), rng),
      reporter: reporterFor(source, inspectors, rng),
      reported_at: reportedAt,
      status,
      history,
    });
  }
  // Points are rounded to 6 decimals before their block test; this re-check guards that invariant.
  for (const p of problems) {
    if (!index.locate([p.lon, p.lat])) {
      throw new Error(`internal: rounded point ${p.lon},${p.lat} fell outside every block`);
    }
  }
  return problems.sort((a, b) => a.reported_at.getTime() - b.reported_at.getTime());
}

// -------------------------------------------------------------------------------------------------

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

function toLookup(names: GenerateProblemsOptions['names']): (code: string) => string | undefined {
  if (!names) return () => undefined;
  if (names instanceof Map) return (code) => names.get(code);
  const record = names as Readonly<Record<string, string>>;
  return (code) => record[code];
}

function toBlock(b: RegionFeature, urban: ReadonlySet<string>): Block {
  const community = b.properties.parent_code;
  const street = community.slice(0, 9);
  return {
    code: b.properties.code,
    community,
    street,
    geometry: b.geometry,
    box: turfBbox(b.geometry),
    km2: area(b.geometry) / 1e6,
    setting: urban.has(street) ? 'urban' : isNeighbourhood(community) ? 'town' : 'village',
  };
}

/** Uniform grid over the blocks' bounding boxes: point → candidate blocks → bbox → point-in-polygon. */
class BlockIndex {
  private readonly cells = new Map<number, Block[]>();
  private readonly x0: number;
  private readonly y0: number;
  private readonly size: number;
  private readonly cols: number;

  constructor(blocks: readonly Block[]) {
    const corners = blocks.flatMap(({ box }) => [box.slice(0, 2), box.slice(2, 4)]);
    const [minX, minY, maxX, maxY] = turfBbox({ type: 'MultiPoint', coordinates: corners });
    this.x0 = minX;
    this.y0 = minY;
    // about one block per cell on average
    this.size = Math.max(Math.sqrt(((maxX - minX) * (maxY - minY)) / blocks.length), 1e-6);
    this.cols = Math.floor((maxX - minX) / this.size) + 1;
    for (const b of blocks) {
      const [c0, r0] = this.cell(b.box[0], b.box[1]);
      const [c1, r1] = this.cell(b.box[2], b.box[3]);
      for (let r = r0; r <= r1; r++) {
        for (let c = c0; c <= c1; c++) {
          const key = r * this.cols + c;
          const list = this.cells.get(key);
          if (list) list.push(b);
          else this.cells.set(key, [b]);
        }
      }
    }
  }

  private cell(x: number, y: number): [number, number] {
    return [Math.floor((x - this.x0) / this.size), Math.floor((y - this.y0) / this.size)];
  }

  /** The block whose interior contains `p` (boundaries excluded), or null. */
  locate(p: Position): Block | null {
    const [c, r] = this.cell(p[0], p[1]);
    if (c < 0 || r < 0 || c >= this.cols) return null;
    for (const b of this.cells.get(r * this.cols + c) ?? []) {
      const box = b.box;
      if (p[0] < box[0] || p[0] > box[2] || p[1] < box[1] || p[1] > box[3]) continue;
      if (booleanPointInPolygon(p, b.geometry, { ignoreBoundary: true })) return b;
    }
    return null;
  }
}

function randomPointInBlock(block: Block, rng: Rng): Position {
  const [w, s, e, n] = block.box;
  for (let attempt = 0; attempt < 10_000; attempt++) {
    const p: Position = [w + rng() * (e - w), s + rng() * (n - s)];
    if (booleanPointInPolygon(p, block.geometry, { ignoreBoundary: true })) return p;
  }
  throw new Error(`could not sample a point inside block ${block.code}`);
}

/** Offset `p` by metres east/north. */
function offset(p: Position, east: number, north: number): Position {
  const dLat = north / M_PER_DEG_LAT;
  const dLon = east / (M_PER_DEG_LAT * Math.cos((p[1] * Math.PI) / 180));
  return [p[0] + dLon, p[1] + dLat];
}

/**
 * A point scattered around a hotspot (Gaussian; for roads, uniform along the segment and Gaussian
 * across it) that lies inside some block; after a few misses (scatter left the county) it falls
 * back to a uniform point in the hotspot's own block.
 */
function scatterAround(h: Hotspot, index: BlockIndex, rng: Rng): { p: Position; block: Block } {
  const spec = KINDS[h.kind];
  for (let attempt = 0; attempt < 20; attempt++) {
    let base = h.centre;
    if (h.end) {
      const t = rng();
      base = [h.centre[0] + (h.end[0] - h.centre[0]) * t, h.centre[1] + (h.end[1] - h.centre[1]) * t];
    }
    const p = offset(base, gaussian(rng) * spec.sigma, gaussian(rng) * spec.sigma);
    const p6: Position = [round6(p[0]), round6(p[1])];
    const block = index.locate(p6);
    if (block) return { p: p6, block };
  }
  return { p: roundedPointInBlock(h.block, index, rng), block: h.block };
}

/** A uniform point in `block`, already rounded to 6 decimals and still inside some block. */
function roundedPointInBlock(block: Block, index: BlockIndex, rng: Rng): Position {
  for (;;) {
    const p = randomPointInBlock(block, rng);
    const p6: Position = [round6(p[0]), round6(p[1])];
    if (index.locate(p6)) return p6;
  }
}

/** Category lookups and weighted category samplers restricted to the caller's categories. */
class Catalogue {
  private readonly codes: string[];
  private readonly known: Map<string, { name: string; limitHours: number; clock: ClockType | null }>;

  constructor(categories: readonly ProblemCategoryRef[]) {
    const defaults = new Map(DEFAULT_CATEGORIES.map((c) => [c.code, c]));
    this.codes = [...new Set(categories.map((c) => c.code))];
    this.known = new Map(
      categories.map((c) => {
        const d = defaults.get(c.code);
        return [
          c.code,
          {
            name: c.name ?? d?.name ?? c.code,
            limitHours: d ? toNaturalHours(d.limit_value, d.clock) : 48,
            clock: d?.clock ?? null,
          },
        ];
      }),
    );
  }

  name(code: string): string {
    return this.known.get(code)?.name ?? code;
  }

  limitHours(code: string): number {
    return this.known.get(code)?.limitHours ?? 48;
  }

  clock(code: string): ClockType | null {
    return this.known.get(code)?.clock ?? null;
  }

  /**
   * Sampler over the caller's categories with the given weights; codes the caller does not have
   * are skipped, and codes not in `weights` get `otherWeight`. Falls back to uniform.
   */
  sampler(weights: Readonly<Record<string, number>>, otherWeight = 0): (rng: Rng) => string {
    let w = this.codes.map((c) => weights[c] ?? otherWeight);
    if (w.every((x) => x === 0)) w = this.codes.map(() => 1);
    const draw = weightedSampler(w);
    return (rng) => this.codes[draw(rng)];
  }
}

/** Rough natural-time equivalent of a deadline, hours (8 working hours a day, 5 working days a week). */
function toNaturalHours(value: number, clock: ClockType): number {
  switch (clock) {
    case 'continuous_hours':
      return value;
    case 'working_hours':
      return value * 3;
    case 'working_days':
      return value * 24 * 1.4;
    case 'natural_days':
      return value * 24;
  }
}

function placeHotspots(
  blocks: readonly Block[],
  count: number,
  catalogue: Catalogue,
  names: (code: string) => string | undefined,
  rng: Rng,
): Hotspot[] {
  const n = Math.max(12, Math.min(3000, Math.round(count / 70)));
  // Hotspots sit mostly in urban streets and town centres; blocks there are also smaller and more
  // numerous, which concentrates them further.
  const placeWeight = { urban: 1, town: 1, village: 0.15 };
  const pickBlock = weightedSampler(blocks.map((b) => placeWeight[b.setting]));
  const samplers = new Map(
    (Object.keys(KINDS) as HotspotKind[]).map((k) => [k, catalogue.sampler(KINDS[k].categories)]),
  );
  const kinds = Object.keys(KINDS) as HotspotKind[];
  const hotspots: Hotspot[] = [];
  for (let i = 0; i < n; i++) {
    const block = blocks[pickBlock(rng)];
    const kind = kinds[weightedSampler(kinds.map((k) => KINDS[k].frequency[block.setting]))(rng)];
    const centre = randomPointInBlock(block, rng);
    let end: Position | undefined;
    if (kind === 'road') {
      const length = 400 + rng() * 1100;
      const angle = rng() * Math.PI;
      end = offset(centre, Math.cos(angle) * length, Math.sin(angle) * length);
    }
    // Heavy-tailed intensity: a few hotspots dominate, as in real campaign data.
    const weight = Math.exp(0.9 * gaussian(rng));
    // Building sites and some street problems only run for part of the period.
    let window: [number, number] = [0, 1];
    if (kind === 'construction' || rng() < 0.2) {
      const span = 0.3 + rng() * 0.5;
      const start = rng() * (1 - span);
      window = [start, start + span];
    }
    const { landmark, address } = nameHotspot(kind, block, names, rng);
    hotspots.push({
      kind,
      block,
      centre,
      end,
      weight,
      window,
      landmark,
      address,
      categories: samplers.get(kind)!,
    });
  }
  return hotspots;
}

/** "星沙街道开元路社区" — street and community names when known, else the block's own name. */
function placeName(block: Block, names: (code: string) => string | undefined): string {
  const street = names(block.street) ?? '';
  const community = names(block.community);
  return `${street}${community ? shortRegionName(community) : ''}`;
}

function roadName(block: Block, names: (code: string) => string | undefined, rng: Rng): string {
  if (block.setting === 'urban') return pick(rng, URBAN_ROADS);
  const base = townBase(block, names) ?? pick(rng, URBAN_ROADS).slice(0, 2);
  return `${base}${pick(rng, TOWN_ROAD_SUFFIXES)}`;
}

/** First two characters of the town or village name ("黄花镇" → "黄花"), if known. */
function townBase(block: Block, names: (code: string) => string | undefined): string | undefined {
  const name = block.setting === 'village' ? names(block.community) : names(block.street);
  return name
    ? shortRegionName(name)
        .replace(/(街道|镇|乡|社区|村)$/u, '')
        .slice(0, 2)
    : undefined;
}

function nameHotspot(
  kind: HotspotKind,
  block: Block,
  names: (code: string) => string | undefined,
  rng: Rng,
): { landmark: string; address: string } {
  const place = placeName(block, names);
  const road = roadName(block, names, rng);
  const cross = roadName(block, names, rng);
  const base = townBase(block, names) ?? road.slice(0, 2);
  const no = intBetween(rng, 1, 399);
  let landmark: string;
  let at: string;
  switch (kind) {
    case 'market':
      landmark = `${base}农贸市场`;
      at = `${road}${no}号${landmark}`;
      break;
    case 'bus_stop':
      landmark = cross !== road ? `${road}${cross}口公交站` : `${road}公交站`;
      at = cross !== road ? `${road}与${cross}交叉口公交站` : `${road}${no}号公交站`;
      break;
    case 'school':
      landmark = `${base}${pick(rng, SCHOOL_TYPES)}门口`;
      at = `${road}${no}号${landmark}`;
      break;
    case 'road':
      landmark = `${road}`;
      at = cross !== road ? `${road}（${cross}口至${no}号段）` : `${road}${no}号路段`;
      break;
    case 'residential':
      landmark = `${base}${pick(rng, COMPOUND_NAMES)}`;
      at = `${road}${no}号${landmark}`;
      break;
    case 'construction':
      landmark = `${base}${pick(rng, ['安置房', '商住楼', '道路提质改造', '管网改造', '学校新建'])}项目工地`;
      at = `${road}${no}号${landmark}`;
      break;
    case 'commercial':
      landmark = pick(rng, [`${road}商业街`, `${base}夜市`, `${base}步行街`]);
      at = `${road}${no}号${landmark}`;
      break;
    case 'village':
      landmark = pick(rng, [`${base}村部`, `${base}${intBetween(rng, 1, 18)}组`, `${base}集中居住点`]);
      at = landmark;
      break;
  }
  return { landmark, address: `${place}${at}` };
}

const POSITIONS = ['附近', '旁', '门口', '路边', '一带', '东侧', '西侧', '南侧', '北侧'];
const REMARKS = ['', '', '，请尽快处置', '，影响市容', '，已拍照取证', '，多次出现'];
const CITIZEN_REMARKS = ['，市民反映', '，群众反映强烈', '，希望尽快处理'];

function describe(landmark: string, categoryName: string, source: ProblemSource, rng: Rng): string {
  const remark = source === 'citizen' || source === 'hotline' ? pick(rng, CITIZEN_REMARKS) : pick(rng, REMARKS);
  return `${landmark}${pick(rng, POSITIONS)}${categoryName}${remark}`;
}

function pickSource(rng: Rng): ProblemSource {
  const r = rng();
  return r < 0.58 ? 'inspection' : r < 0.8 ? 'citizen' : r < 0.94 ? 'hotline' : 'other';
}

function reporterFor(source: ProblemSource, inspectors: readonly string[], rng: Rng): string {
  switch (source) {
    case 'inspection':
      return pick(rng, inspectors);
    case 'citizen':
      return pick(rng, ['市民（随手拍）', '市民（微信公众号）', '市民（小程序）']);
    case 'hotline':
      return '12345政务服务热线';
    case 'other':
      return pick(rng, ['媒体曝光', '部门移交', '领导交办', '第三方测评']);
  }
}

function pickSeverity(clock: ClockType | null, rng: Rng): 1 | 2 | 3 {
  const r = rng();
  // Round-the-clock deadlines mark urgent categories (动物尸体, 焚烧, 消防通道): shift up one level.
  const level = r < 0.65 ? 1 : r < 0.92 ? 2 : 3;
  return (clock === 'continuous_hours' ? Math.min(3, level + 1) : level) as 1 | 2 | 3;
}

/** Exponentially distributed duration with the given mean, hours → ms. */
function expHours(rng: Rng, meanHours: number): number {
  return -Math.log(1 - rng()) * meanHours * HOUR_MS;
}

/**
 * Walk one problem through the closed loop from `reportedAt`, keeping the transitions up to `now`.
 * Mean stage times: 受理/立案 8 h (5 % voided instead), 派遣 4 h, 开始处置 12 h, 处置 ≈ the
 * category's limit (20 % drag on to 2–8× the limit, i.e. overdue; 3 % are shelved 挂账 for
 * 1–4 months), 核查 1 day with 8 % 返工. Old problems end up mostly closed, recent ones mostly open.
 */
function simulateWorkflow(
  reportedAt: Date,
  now: Date,
  limitHours: number,
  rng: Rng,
): { status: ProblemStatus; history: { status: ProblemStatus; at: Date }[] } {
  const steps: { status: ProblemStatus; at: number }[] = [{ status: 'reported', at: reportedAt.getTime() }];
  let t = reportedAt.getTime();
  if (rng() < 0.05) {
    steps.push({ status: 'voided', at: (t += expHours(rng, 8)) });
  } else {
    steps.push({ status: 'filed', at: (t += expHours(rng, 8)) });
    steps.push({ status: 'dispatched', at: (t += expHours(rng, 4)) });
    for (let round = 0; round < 3; round++) {
      steps.push({
        status: 'in_progress',
        at: (t += expHours(rng, round === 0 ? 12 : 6)),
      });
      const r = rng();
      const pace = r < 0.03 ? (720 + rng() * 2160) / limitHours : r < 0.23 ? 2 + rng() * 6 : 1;
      steps.push({
        status: 'resolved',
        at: (t += expHours(rng, limitHours * pace)),
      });
      t += expHours(rng, 24);
      if (round < 2 && rng() < 0.08) continue; // 返工: back to in_progress
      steps.push({ status: 'closed', at: t });
      break;
    }
  }
  const history = steps.filter((s) => s.at <= now.getTime()).map((s) => ({ status: s.status, at: new Date(s.at) }));
  return { status: history[history.length - 1].status, history };
}

/**
 * Days of the period in Asia/Shanghai with their working-day flag (official calendar with 调休,
 * from `chinese-days`), and a sampler of report times biased to working days and working hours.
 */
class Calendar {
  private readonly dayStarts: number[] = [];
  private readonly workday: boolean[] = [];
  private readonly start: number;
  private readonly end: number;

  constructor(now: Date, days: number) {
    this.end = now.getTime();
    this.start = this.end - days * DAY_MS;
    // midnight (Shanghai) of the first day touching the period, as a UTC epoch
    const localStart = Math.floor((this.start + SHANGHAI_OFFSET_MS) / DAY_MS) * DAY_MS;
    for (let local = localStart; local - SHANGHAI_OFFSET_MS <= this.end; local += DAY_MS) {
      this.dayStarts.push(local - SHANGHAI_OFFSET_MS);
      this.workday.push(chineseDays.isWorkday(new Date(local).toISOString().slice(0, 10)));
    }
  }

  /** A report time inside the given fraction window of the period. */
  sample(rng: Rng, window: [number, number]): Date {
    const from = this.start + (this.end - this.start) * window[0];
    const to = this.start + (this.end - this.start) * window[1];
    for (let attempt = 0; attempt < 1000; attempt++) {
      const day = Math.floor(rng() * this.dayStarts.length);
      const dayStart = this.dayStarts[day];
      if (dayStart + DAY_MS <= from || dayStart > to) continue;
      // rest days see about a third of a working day's reports
      if (!this.workday[day] && rng() > 0.35) continue;
      let hour: number;
      if (this.workday[day] && rng() < 0.8) {
        // office hours 08:00–12:00 and 14:00–18:00
        const h = rng() * 8;
        hour = h < 4 ? 8 + h : 10 + h;
      } else {
        hour = 6.5 + rng() * 15.5; // 06:30–22:00
      }
      const t = dayStart + hour * HOUR_MS;
      if (t >= from && t <= to) return new Date(Math.floor(t / 1000) * 1000);
    }
    // extremely narrow window: anywhere inside it
    return new Date(Math.floor((from + rng() * (to - from)) / 1000) * 1000);
  }
}
