/**
 * The map's numbers: fetched per (level, filters) and cached, so a measure change or a zoom back
 * re-applies without a request; only the latest request is applied. Open and overdue come from
 * /api/stats/map (both measures, compact arrays, revalidated with If-None-Match: an unchanged
 * answer is a 304); the rates still need /api/stats/regions. The map element carries what
 * was applied (`data-level`, `data-stats` loading|ready|error, `data-stats-seq`), which the legend
 * and the browser tests read.
 */
import { describeError } from '../i18n/errors.js';
import { api, type MapNumbers } from '../api.js';
import { render } from '../dom.js';
import { t } from '../i18n/index.js';
import type { CountyMap, MapRow } from '../map/county-map.js';
import { renderLegend } from '../panels/legend.js';
import type { Level, Measure } from '../state/url.js';

/** Measures /api/stats/map answers from the maintained rollups. */
const MAP_MEASURES: readonly Measure[] = ['open', 'overdue'];

export interface MapStatsOptions {
  countyMap: CountyMap;
  mapEl: HTMLElement;
  legendBox: HTMLElement;
  params: () => URLSearchParams;
  measure: () => Measure;
  onError: (message: string) => void;
}

export class MapStats {
  private readonly cache = new Map<string, Promise<MapRow[]>>();
  private seq = 0;

  constructor(private readonly opts: MapStatsOptions) {
    opts.mapEl.dataset.stats = 'loading';
  }

  /** Forgets every cached number (after a problem was created or changed). */
  clear(): void {
    this.cache.clear();
  }

  /**
   * Open and overdue per region of the level from /api/stats/map: the answers list non-zero
   * regions only, so every region of the level's geometry (the caller's, as the server gives it)
   * gets 0 unless listed.
   */
  private async mapRows(level: Level, params: URLSearchParams): Promise<MapRow[]> {
    const [open, overdue, geometry] = await Promise.all([
      api.mapNumbers(level, 'open', params),
      api.mapNumbers(level, 'overdue', params),
      this.opts.countyMap.loadGeometry(level),
    ]);
    const valueOf = (n: MapNumbers) => new Map(n.codes.map((c, i) => [c, n.values[i]]));
    const o = valueOf(open);
    const d = valueOf(overdue);
    const codes = new Set<string>(geometry.features.map((f) => String(f.properties?.code ?? '')).filter(Boolean));
    for (const c of o.keys()) codes.add(c);
    return [...codes].sort().map((code) => ({ code, open: o.get(code) ?? 0, overdue: d.get(code) ?? 0 }));
  }

  async refresh(): Promise<void> {
    const { countyMap, mapEl, legendBox } = this.opts;
    const level = countyMap.level();
    const params = this.opts.params();
    const compact = MAP_MEASURES.includes(this.opts.measure());
    const key = `${compact ? 'map' : 'regions'}|${level}|${params}`;
    let rows = this.cache.get(key);
    if (!rows) {
      rows = compact ? this.mapRows(level, params) : api.stats(level, params).then((r) => r.regions);
      rows.catch(() => this.cache.delete(key));
      this.cache.set(key, rows);
    }
    const mine = ++this.seq;
    mapEl.dataset.stats = 'loading';
    try {
      const data = await rows;
      if (mine !== this.seq) return;
      const measure = this.opts.measure();
      const applied = await countyMap.applyStats(level, data, measure);
      if (mine !== this.seq) return;
      render(legendBox, renderLegend(measure, level, applied.classes));
      mapEl.dataset.level = applied.level;
      mapEl.dataset.statsSeq = String(applied.seq);
      mapEl.dataset.stats = 'ready';
    } catch (err) {
      if (mine === this.seq) mapEl.dataset.stats = 'error';
      this.opts.onError(describeError(err));
    }
  }
}
