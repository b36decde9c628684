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

  /**
   * Selects `code`: highlight, address, and its panel with the current filters and measure.
   * `frame`: whether the map then fits the region in the part the panel leaves visible — 'phone'
   * only on a narrow screen, where the panel is a bottom sheet over most of the map (a region
   * tapped there would otherwise stay hidden under it); 'always' on a desktop too.
   */
  open(code: string, frame: 'none' | 'phone' | 'always' = 'none'): void {
    const { countyMap, panel } = this.o;
    this.select(code);
    const phone = matchMedia('(max-width: 768px)').matches;
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
      // A region picked in the panel's chain or ranking: open it and zoom the map to it.
      onPickRegion: (c) => this.open(c, 'always'),
      onOpenProblem: this.o.onOpenProblem,
    }).then(() => {
      // Measured once the panel shows its answer: its height is what covers the map.
      if (frame === 'none' || (frame === 'phone' && !phone)) return;
      if (panel.hidden || panel.dataset.code !== code) return;
      void countyMap.fitRegion(code, phone ? panel.offsetHeight : 0);
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
