/**
 * A photo picker that opens the camera on phones (`capture="environment"`) and keeps the chosen
 * files, with small previews. The files are uploaded by the outbox when the report or transition
 * is sent, so a photo taken without signal waits with it.
 */
import { session } from '../api.js';
import { h, render } from '../dom.js';
import { t } from '../i18n/index.js';

export interface PhotoInput {
  el: HTMLElement;
  files(): File[];
}

export function photoInput(name: string, label = t('add.photo')): PhotoInput {
  const chosen: File[] = [];
  const previews = h('div', { class: 'photo-previews' });
  const input = h('input', {
    type: 'file',
    name,
    accept: 'image/jpeg,image/png,image/webp',
    capture: 'environment',
    multiple: true,
    class: 'photo-file',
  }) as HTMLInputElement;
  input.addEventListener('change', () => {
    for (const f of Array.from(input.files ?? [])) chosen.push(f);
    input.value = '';
    render(
      previews,
      ...chosen.map((f) => h('img', { src: URL.createObjectURL(f), alt: f.name, class: 'photo-thumb' })),
      chosen.length ? h('span', { class: 'muted small' }, t('photo.count', { n: chosen.length })) : null,
    );
  });
  // The browser's own file button speaks the browser's language ("Choose Files"): it stays in the
  // label for the camera and the keyboard, hidden, and the page shows its own button.
  return {
    el: h(
      'label',
      { class: 'photo-input' },
      label,
      input,
      h('span', { class: 'photo-pick', 'aria-hidden': 'true' }, t('photo.pick')),
      previews,
    ),
    files: () => [...chosen],
  };
}

/**
 * Where an <img> loads one of our photos: they are behind the token and an <img> cannot send a
 * header, so it rides in the query. Other URLs (references typed in earlier) are used as they are.
 */
export function photoSrc(url: string, thumb: boolean): string {
  if (!url.startsWith('/api/photos/')) return url;
  const token = session.token();
  return `${url}${thumb ? '/thumb' : ''}${token ? `?access_token=${encodeURIComponent(token)}` : ''}`;
}

/** The device position, or null when not allowed or not known within `timeoutMs`. */
export function devicePosition(timeoutMs = 4000): Promise<{ lon: number; lat: number; accuracy: number } | null> {
  if (!('geolocation' in navigator)) return Promise.resolve(null);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), timeoutMs + 500);
    navigator.geolocation.getCurrentPosition(
      (p) => {
        clearTimeout(timer);
        resolve({ lon: p.coords.longitude, lat: p.coords.latitude, accuracy: p.coords.accuracy });
      },
      () => {
        clearTimeout(timer);
        resolve(null);
      },
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 60_000 },
    );
  });
}
