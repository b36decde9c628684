/**
 * The map page's report flow: the form in the panel at the tapped point, a pin to drag when the
 * point is not quite right, and the one-thumb "report here" button (device position, else the
 * map centre).
 */
import { Marker } from 'maplibre-gl';
import type { Category } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n/index.js';
import type { CountyMap } from '../map/county-map.js';
import { easeCloser } from '../map/ease-closer.js';
import { renderAddProblem } from '../panels/add-problem.js';
import { devicePosition } from '../panels/photo-input.js';
import type { MapClickModes } from './map-clicks.js';

export interface DraftReportOptions {
  countyMap: CountyMap;
  /** Where the form goes (the region panel's box). */
  panel: HTMLElement;
  clicks: MapClickModes;
  categories: () => Category[];
  onCreated: () => void;
}

export class DraftReport {
  private pin: Marker | null = null;

  constructor(private readonly o: DraftReportOptions) {}

  /** Removes the draggable pin, if any. */
  dropPin(): void {
    this.pin?.remove();
    this.pin = null;
  }

  /** Opens the form at `lngLat` with a pin there; dragging the pin moves the form's point. */
  place(lngLat: [number, number]): void {
    const { countyMap, panel, clicks } = this.o;
    this.dropPin();
    const form = renderAddProblem(panel, {
      at: lngLat,
      categories: this.o.categories(),
      onCreated: this.o.onCreated,
      onCancel: () => {
        this.dropPin();
        clicks.stopAdd();
        panel.hidden = true;
      },
    });
    // A pin to drag when the tap or the device position is not quite right.
    const pin = new Marker({ draggable: true, color: '#d35400' }).setLngLat(lngLat).addTo(countyMap.map);
    this.pin = pin;
    pin.getElement().dataset.pin = 'draft';
    pin.on('dragend', () => {
      const ll = pin.getLngLat();
      countyMap.setDraft([ll.lng, ll.lat]);
      form.setAt([ll.lng, ll.lat]);
    });
    document.body.classList.add('sheet-open');
  }

  /** One thumb: report at the device position when allowed, else at the map centre, then drag the pin. */
  async here(): Promise<void> {
    const { countyMap } = this.o;
    const position = await devicePosition(4000);
    const c = countyMap.map.getCenter();
    const at: [number, number] = position ? [position.lon, position.lat] : [c.lng, c.lat];
    if (position) easeCloser(countyMap.map, at, 16);
    countyMap.setDraft(at);
    this.place(at);
  }

  /** The floating "report here" button. */
  button(): HTMLElement {
    return h('button', { class: 'fab primary', id: 'report-here', onclick: () => void this.here() }, t('add.here'));
  }
}
