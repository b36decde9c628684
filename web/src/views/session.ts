/**
 * Login and what is loaded after it: the login view remembers where the user was going (a shared
 * link, /admin) and lands there; `loadPageState` reads the user, categories and scope outlines.
 */
import { api, session, type Meta, type PublicUser } from '../api.js';
import { renderLogin } from '../panels/login.js';
import { app, replaceView, type PageState } from './shell.js';

export function showLogin(onLoggedIn: () => void): void {
  replaceView();
  const next = location.pathname === '/login' ? '/' : location.pathname;
  if (location.pathname !== '/login') history.replaceState(null, '', `/login${location.search}${location.hash}`);
  renderLogin(app, () => {
    history.replaceState(null, '', `${next}${location.search}${location.hash}`);
    onLoggedIn();
  });
}

/**
 * The service facts (/api/meta: name, version, basemap) do not change while the page is open: read
 * once, not again after the login (it was a second request, and a round trip in series before
 * the user's own on the way to the first map). A failed read is tried again next time.
 */
let metaOnce: Promise<Meta> | null = null;
function serviceMeta(): Promise<Meta> {
  metaOnce ??= api.meta().catch((err: unknown) => {
    metaOnce = null;
    throw err;
  });
  return metaOnce;
}

/** The page state for the logged-in user, or null when there is no valid session. */
export async function loadPageState(): Promise<PageState | null> {
  const meta = await serviceMeta();
  if (!session.token()) return null;
  let user: PublicUser;
  try {
    user = await api.me();
  } catch {
    return null;
  }
  const [{ categories }, scopeFeatures] = await Promise.all([
    api.categories(),
    user.scope.length
      ? Promise.all(user.scope.map((code) => api.region(code).catch(() => null))).then((fs) =>
          fs.filter((f): f is NonNullable<typeof f> => f !== null),
        )
      : Promise.resolve(null),
  ]);
  return { meta, user, categories, scopeFeatures };
}
