/** Export buttons: the current filters go along, the file is fetched with the bearer token and saved. */
import { describeError } from '../i18n/errors.js';
import { download } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n/index.js';
import { toShanghaiDate } from '../../../domain/time.js';

export function renderExports(
  filters: () => URLSearchParams,
  level: () => string,
  onError: (message: string) => void,
): HTMLElement {
  const go = (path: string, name: string) => () => {
    const q = filters().toString();
    download(`${path}${q ? `?${q}` : ''}`, name).catch((err: unknown) => onError(describeError(err)));
  };
  const day = toShanghaiDate(new Date());
  const month = day.slice(0, 7);
  const rankings = () => {
    const q = new URLSearchParams({ level: level(), period: month });
    download(`/api/exports/rankings.xlsx?${q}`, `rankings-${month}.xlsx`).catch((err: unknown) =>
      onError(describeError(err)),
    );
  };
  return h(
    'section',
    { class: 'exports', id: 'exports' },
    h('h2', {}, t('export.title')),
    h(
      'div',
      { class: 'row wrap' },
      ...(['csv', 'xlsx', 'geojson'] as const).map((ext) =>
        h(
          'button',
          {
            class: 'small',
            'data-export': `problems.${ext}`,
            onclick: go(`/api/exports/problems.${ext}`, `problems-${day}.${ext}`),
          },
          `${t('export.problems')} ${ext.toUpperCase()}`,
        ),
      ),
      ...(['csv', 'xlsx', 'geojson'] as const).map((ext) =>
        h(
          'button',
          {
            class: 'small',
            'data-export': `hotspots.${ext}`,
            onclick: go(`/api/exports/hotspots.${ext}`, `hotspots-${day}.${ext}`),
          },
          `${t('export.hotspots')} ${ext.toUpperCase()}`,
        ),
      ),
      h(
        'button',
        { class: 'small', 'data-export': 'rankings.xlsx', onclick: rankings },
        `${t('export.rankings')} XLSX`,
      ),
    ),
  );
}
