/**
 * The map's numbers: fetched per (level, filters) and cached, so a measure change or a zoom back
 * re-applies without a request; only the latest request is applied. The map element carries what
 * was applied (`data-level`, `data-stats` loading|ready|error, `data-stats-seq`), which the legend
 * and the browser tests read.
 */
import { describeError } from '../i18n/errors.js';
import { api, type RegionStats } from '../api.js';
import { render } from '../dom.js';
import { t } from '../i18n/index.js';
import type { CountyMap } from '../map/county-map.js';
import { renderLegend } from '../panels/legend.js';
import type { Measure } from '../state/url.js';

export interface MapStatsOptions {
  countyMap: CountyMap;
  mapEl: HTMLElement;
  legendBox: HTMLElement;
  params: () => URLSearchParams;
  measure: () => Measure;
  onError: (message: string) => void;
}

export class MapStats {
  private readonly cache = new Map<string, Promise<RegionStats[]>>();
  private seq = 0;

  constructor(private readonly opts: MapStatsOptions) {
    opts.mapEl.dataset.stats = 'loading';
  }

  /** Forgets every cached number (after a problem was created or changed). */
  clear(): void {
    this.cache.clear();
  }

  async refresh(): Promise<void> {
    const { countyMap, mapEl, legendBox } = this.opts;
    const level = countyMap.level();
    const params = this.opts.params();
    const key = `${level}|${params}`;
    let rows = this.cache.get(key);
    if (!rows) {
      rows = api.stats(level, params).then((r) => r.regions);
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
