/** Region search by name or code (`/api/regions/search?q=`); picking a hit flies the map to it. */
import { describeError } from '../i18n/errors.js';
import { api, type RegionSearchHit } from '../api.js';
import { debounce, h, render } from '../dom.js';
import { t, type MessageKey } from '../i18n/index.js';

export function renderSearch(onPick: (hit: RegionSearchHit) => void): HTMLElement {
  const input = h('input', {
    type: 'search',
    id: 'region-search',
    placeholder: t('search.placeholder'),
    autocomplete: 'off',
  });
  const list = h('ul', { class: 'search-results', id: 'search-results' });
  let seq = 0;
  const run = debounce(async (q: string) => {
    const mine = ++seq;
    if (q.trim().length < 1) return render(list);
    try {
      const { regions } = await api.searchRegions(q.trim());
      if (mine !== seq) return;
      if (!regions.length) return render(list, h('li', { class: 'muted' }, t('search.none')));
      render(
        list,
        ...regions.slice(0, 12).map((r) =>
          h(
            'li',
            {},
            h(
              'button',
              {
                class: 'link',
                'data-code': r.code,
                onclick: () => {
                  render(list);
                  input.value = r.name;
                  onPick(r);
                },
              },
              h('strong', {}, r.name),
              ` ${t(`level.${r.level}` as MessageKey)} · ${r.code}`,
              r.chain_names
                ? h(
                    'div',
                    { class: 'muted small' },
                    Array.isArray(r.chain_names) ? r.chain_names.join(' / ') : r.chain_names,
                  )
                : null,
            ),
          ),
        ),
      );
    } catch (err) {
      if (mine === seq) render(list, h('li', { class: 'error' }, describeError(err)));
    }
  }, 250);
  input.addEventListener('input', () => run(input.value));
  return h('div', { class: 'search' }, input, list);
}
