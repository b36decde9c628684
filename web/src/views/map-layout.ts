/** The map page's skeleton: sidebar, map with legend, notice, status bar and toast, region panel. */
import { h } from '../dom.js';
import { t } from '../i18n/index.js';

export interface MapLayout {
  root: HTMLElement;
  mapEl: HTMLElement;
  aside: HTMLElement;
  panel: HTMLElement;
  legendBox: HTMLElement;
  status: HTMLElement;
  notice: HTMLElement;
  /** Shows a message for 5 s at the bottom of the map. */
  showToast(message: string): void;
  /** The skeleton's own words (the demo notice, the sheet handle's label) after a language change. */
  relabel(): void;
}

export function mapLayout(): MapLayout {
  const mapEl = h('div', { id: 'map', class: 'map' });
  const aside = h('aside', { class: 'sidebar', id: 'sidebar' });
  const panel = h('aside', { class: 'panel', id: 'region-panel', hidden: true });
  const legendBox = h('div', { class: 'legend-box' });
  const status = h('div', { class: 'statusbar', id: 'statusbar' });
  const notice = h('div', { class: 'synthetic-notice' }, t('app.synthetic'));
  const toast = h('div', { class: 'toast', role: 'status', hidden: true });
  // On a phone the sidebar is a bottom sheet over the full-screen map; the handle folds it away.
  const handle = h(
    'button',
    {
      class: 'sheet-handle',
      'aria-label': t('sheet.toggle'),
      title: t('sheet.toggle'),
      onclick: () => sheet.classList.toggle('collapsed'),
    },
    h('span', { class: 'grip' }),
  );
  const sheet = h('div', { class: 'sheet', id: 'sheet' }, handle, aside);
  const root = h(
    'div',
    { class: 'map-page' },
    sheet,
    // The notice and the legend share one column at the map's left, so neither covers the other.
    h('div', { class: 'map-wrap' }, mapEl, h('div', { class: 'map-overlays' }, notice, legendBox), status, toast),
    panel,
  );
  return {
    root,
    mapEl,
    aside,
    panel,
    legendBox,
    status,
    notice,
    showToast: (message) => {
      toast.textContent = message;
      toast.hidden = false;
      setTimeout(() => (toast.hidden = true), 5000);
    },
    relabel: () => {
      notice.textContent = t('app.synthetic');
      handle.title = t('sheet.toggle');
      handle.setAttribute('aria-label', t('sheet.toggle'));
    },
  };
}
