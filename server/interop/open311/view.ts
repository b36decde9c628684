/** Our problems and categories in Open311's words. */
import {
  OPEN_STATUSES,
  STATUS_LABELS_EN,
  STATUS_LABELS_ZH,
  TERMINAL_STATUSES,
  type Status,
} from '../../../domain/workflow.js';
import type { ServiceCategoryRow, ServiceRequestEvent, ServiceRequestRow } from '../../../db/queries/open311.js';
import type { ServiceRequest } from '../../schemas/open311.js';

export const PUBLIC_SERVICE_NOTICE = '已收到，等待立案 / Received; awaiting filing (立案) by staff';
export const KEYED_SERVICE_NOTICE = '已上报，等待立案 / Reported; awaiting filing (立案)';

/** Open311 has two states: closed = the record is final (结案 or 作废), open = everything else. */
export const open311Status = (s: Status): 'open' | 'closed' => (TERMINAL_STATUSES.includes(s) ? 'closed' : 'open');

/** `open`, `closed` or both (comma list) → our statuses as a filter list; undefined = all. */
export function statusFilter(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const wanted = new Set(value.split(','));
  const out = [...(wanted.has('open') ? OPEN_STATUSES : []), ...(wanted.has('closed') ? TERMINAL_STATUSES : [])];
  return out.join(',');
}

const label = (s: string | null): string =>
  s && s in STATUS_LABELS_ZH ? `${STATUS_LABELS_ZH[s as Status]} ${STATUS_LABELS_EN[s as Status]}` : '';

export function toService(c: ServiceCategoryRow) {
  return {
    service_code: c.code,
    service_name: c.name,
    description: `${c.group_name} · ${c.name}（${c.department}）`,
    metadata: c.attributes.length > 0,
    type: 'realtime',
    keywords: c.tags.join(','),
    group: c.group_name,
  };
}

/**
 * One request. `audience` public: status_notes and notes[] carry the status labels only (notes
 * written by staff may name people or internal matters); scoped: the notes as written.
 */
export function toServiceRequest(
  r: ServiceRequestRow,
  events: readonly ServiceRequestEvent[],
  audience: 'public' | 'scoped',
): ServiceRequest {
  const mine = events.filter((e) => e.problem_id === r.id);
  return {
    service_request_id: String(r.id),
    status: open311Status(r.status),
    status_notes: audience === 'scoped' ? (r.last_note ?? label(r.status)) : label(r.status),
    service_name: r.service_name,
    service_code: r.category_code,
    description: r.description,
    agency_responsible: r.agency_responsible,
    service_notice: null,
    requested_datetime: r.reported_at.toISOString(),
    updated_datetime: r.updated_at.toISOString(),
    expected_datetime: r.due_at ? r.due_at.toISOString() : null,
    address: r.address,
    address_id: null,
    zipcode: null,
    lat: Number(r.lat),
    long: Number(r.lon),
    media_url: r.media_url,
    notes: mine.map((e) => ({
      datetime: e.at.toISOString(),
      description: (audience === 'scoped' ? e.note : null) ?? label(e.to_status),
      type: e.action,
    })),
  };
}
