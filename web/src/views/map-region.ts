/**
 * The region the user selected on the map page: highlighted on the map, its panel open, and part
 * of the address (?region=<code>) like the open problem.
 */
import type { CountyMap } from '../map/county-map.js';
import { showRegionPanel } from '../panels/region-panel.js';
import type { Measure } from '../state/url.js';

export interface RegionSelectionOptions {
  countyMap: CountyMap;
  panel: HTMLElement;
  /** The current filters as query parameters. */
  params: () => URLSearchParams;
  measure: () => Measure;
  onOpenProblem: (id: number) => void;
}

export function regionInUrl(code: string | null): void {
  const url = new URL(location.href);
  if (code) url.searchParams.set('region', code);
  else url.searchParams.delete('region');
  history.replaceState(history.state, '', url);
}

export class RegionSelection {
  /** The selected region's code, or null. */
  selected: string | null = null;

  constructor(private readonly o: RegionSelectionOptions) {}

  /**
   * Selects `code` without its panel (a row picked in the rankings, which keep the panel): the
   * highlight, the address and what the exports follow, as a click on the map.
   */
  select(code: string): void {
    this.selected = code;
    regionInUrl(code);
    this.o.countyMap.selectRegion(code);
  }

  /** Selects `code`: highlight, address, and its panel with the current filters and measure. */
  open(code: string): void {
    const { countyMap, panel } = this.o;
    this.select(code);
    void showRegionPanel(panel, {
      code,
      filters: this.o.params(),
      measure: this.o.measure(),
      onClose: () => {
        this.selected = null;
        regionInUrl(null);
        panel.hidden = true;
        countyMap.selectRegion(null);
      },
      // A region picked in the panel's ranking: open it and zoom the map to it (above the panel,
      // which lies over the bottom of the map on a phone).
      onPickRegion: (c) => {
        this.open(c);
        void countyMap.fitRegion(c, matchMedia('(max-width: 768px)').matches ? panel.offsetHeight : 0);
      },
      onOpenProblem: this.o.onOpenProblem,
    });
  }

  /**
   * Redraws the selected region's panel (filters, measure or language changed), only when the
   * panel shows it: a region selected from the rankings leaves the panel to them.
   */
  refresh(): void {
    const { panel } = this.o;
    if (this.selected && !panel.hidden && panel.dataset.code === this.selected) this.open(this.selected);
  }
}
