/** The admin pages, and the modal map an admin picks a scope region on. */
import { h, render } from '../dom.js';
import { onLangChange, t } from '../i18n/index.js';
import { CountyMap } from '../map/county-map.js';
import { renderAdmin } from '../panels/admin.js';
import { app, pageHeader, replaceView, type Nav, type PageState } from './shell.js';

export function showAdmin(state: PageState, nav: Nav): void {
  replaceView();
  const root = h('div', { class: 'admin-page' });
  const draw = () => {
    render(app, pageHeader(state, 'admin', nav), root);
    renderAdmin(root, { pickOnMap: () => pickRegionOnMap(state), onCategories: (c) => (state.categories = c) });
  };
  draw();
  const off = onLangChange(draw);
  replaceView(() => off());
}

/** A modal map where one click on a region answers its code (admin: scope picking). */
function pickRegionOnMap(state: PageState): Promise<string | null> {
  return new Promise((resolve) => {
    const container = h('div', { class: 'pick-map' });
    const close = (code: string | null) => {
      picker.map.remove();
      modal.remove();
      resolve(code);
    };
    const modal = h(
      'div',
      { class: 'modal' },
      h(
        'div',
        { class: 'modal-box' },
        h(
          'div',
          { class: 'row' },
          h('strong', {}, t('users.pickOnMap')),
          h('button', { class: 'link', onclick: () => close(null) }, '×'),
        ),
        container,
      ),
    );
    document.body.append(modal);
    const picker = new CountyMap({
      container,
      meta: state.meta,
      position: null,
      levelChoice: 'auto',
      problemQuery: 'status=none',
      heat: false,
      onRegionClick: (code) => close(code),
      onProblemClick: () => {},
      onMove: () => {},
      onLevelChange: () => {},
    });
    void picker.loaded.then(() => picker.fitCounty());
  });
}
