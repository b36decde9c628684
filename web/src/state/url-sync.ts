/** The view ↔ the address bar and the problem tiles' query. */
import { OPEN_STATUSES } from '../../../domain/workflow.js';
import { filtersToParams, formatHash, formatSearch, type ViewState } from './url.js';

/** Writes the view into the URL (replaceState, so moving the map adds no history entries). */
export function writeUrl(view: ViewState): void {
  // The open problem (?problem=<id>, kept by the popup) rides along with the view.
  // The selected region and the open problem (kept by the page) ride along with the view.
  const current = new URLSearchParams(location.search);
  let search = formatSearch(view);
  for (const key of ['region', 'problem']) {
    const v = current.get(key);
    if (v) search = `${search}${search ? '&' : '?'}${key}=${encodeURIComponent(v)}`;
  }
  const url = `${location.pathname}${search}${formatHash(view.position)}`;
  if (url !== `${location.pathname}${location.search}${location.hash}`) history.replaceState(null, '', url);
}

/**
 * The tiles' query: the filters, and open statuses when no status is chosen, because the heat
 * and the points show the work still to do (closed items would drown it after a few months).
 */
export function tileQuery(filters: ViewState['filters']): string {
  const q = filtersToParams(filters);
  if (!q.has('status')) q.set('status', OPEN_STATUSES.join(','));
  return q.toString();
}
