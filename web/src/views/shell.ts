/**
 * What every view of the page shares: the root element, the state loaded after login, the one
 * teardown of the view on screen, and the header with its navigation.
 */
import type { Category, Meta, PublicUser } from '../api.js';
import { renderHeader } from '../panels/header.js';

export const app = document.getElementById('app')!;

/** Loaded once after login: what every view needs. */
export interface PageState {
  meta: Meta;
  user: PublicUser;
  categories: Category[];
  /** The manager's scope regions (outline and name), or null for a user without a scope. */
  scopeFeatures: GeoJSON.Feature[] | null;
}

/** Moves between the views (main.ts implements it). */
export interface Nav {
  showMap(state: PageState): void;
  showAdmin(state: PageState): void;
  logout(): void;
}

let teardown: (() => void) | null = null;

/** Ends the view on screen (listeners, maps) and records how to end the next one. */
export function replaceView(next: (() => void) | null = null): void {
  teardown?.();
  teardown = next;
}

export function pageHeader(state: PageState, page: 'map' | 'admin', nav: Nav): HTMLElement {
  return renderHeader({
    user: state.user,
    page,
    scopeNames: state.scopeFeatures?.map((f) => String(f.properties?.name ?? f.properties?.code)),
    onNavigate: (p) => {
      history.pushState(null, '', p === 'admin' ? '/admin' : '/');
      if (p === 'admin') nav.showAdmin(state);
      else nav.showMap(state);
    },
    onLogout: nav.logout,
  });
}
