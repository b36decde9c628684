/** The campaign page (panels/campaigns.ts) under the shared header; "show on map" opens the map filtered. */
import { h, render } from '../dom.js';
import { onLangChange } from '../i18n/index.js';
import { renderCampaigns } from '../panels/campaigns.js';
import { app, pageHeader, replaceView, type Nav, type PageState } from './shell.js';

export function showCampaigns(state: PageState, nav: Nav): void {
  replaceView();
  const root = h('div', { class: 'campaigns-page' });
  const draw = () => {
    render(app, pageHeader(state, 'campaigns', nav), root);
    void renderCampaigns(root, {
      user: state.user,
      onMap: (c) => {
        history.pushState(null, '', `/?campaign=${c.id}`);
        nav.showMap(state);
      },
    });
  };
  draw();
  const off = onLangChange(draw);
  replaceView(() => off());
}
