/**
 * What a click on the map means besides "open what is there": placing a new problem (add mode)
 * or choosing a problem's new point (the edit form waits for it; Escape cancels).
 */
import type { CountyMap } from '../map/county-map.js';

export class MapClickModes {
  /** True while "report a problem" waits for a click. */
  adding = false;
  /** Set while the edit form waits for a map click (move a problem). */
  private pickPoint: ((lngLat: [number, number] | null) => void) | null = null;
  private readonly onPickKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape' && this.pickPoint) this.finishPick(null);
  };

  constructor(
    private readonly countyMap: CountyMap,
    /** Called when add mode ends (the sidebar redraws its button). */
    private readonly onAddEnded: () => void,
  ) {}

  startAdd(): void {
    this.adding = true;
    this.countyMap.map.getCanvas().style.cursor = 'crosshair';
  }

  stopAdd(): void {
    this.adding = false;
    this.countyMap.setDraft(null);
    this.countyMap.map.getCanvas().style.cursor = '';
    this.onAddEnded();
  }

  /** Resolves to the next clicked point, or null when cancelled. */
  pick(): Promise<[number, number] | null> {
    return new Promise((resolve) => {
      if (this.pickPoint) this.finishPick(null);
      if (this.adding) this.stopAdd();
      this.pickPoint = resolve;
      this.countyMap.map.getCanvas().style.cursor = 'crosshair';
      document.addEventListener('keydown', this.onPickKey);
    });
  }

  /** Ends a pending pick (null = cancelled). */
  cancelPick(): void {
    if (this.pickPoint) this.finishPick(null);
  }

  /**
   * Handles a click that a mode is waiting for: true when consumed. `place` is called in add mode
   * with the point (after the draft marker is drawn there).
   */
  click(lngLat: [number, number], place: (lngLat: [number, number]) => void): boolean {
    if (this.pickPoint) {
      this.finishPick(lngLat);
      return true;
    }
    if (!this.adding) return false;
    this.countyMap.setDraft(lngLat);
    place(lngLat);
    return true;
  }

  private finishPick(lngLat: [number, number] | null): void {
    const resolve = this.pickPoint;
    this.pickPoint = null;
    this.countyMap.setDraft(lngLat);
    this.countyMap.map.getCanvas().style.cursor = '';
    document.removeEventListener('keydown', this.onPickKey);
    resolve?.(lngLat);
  }
}
