/**
 * The HTML view of every /ogc page (OGC API – Features "HTML" conformance class): the same
 * document as the JSON, as a readable page with its links, and features as a table. Every value is
 * escaped; no script runs.
 */
const esc = (v: unknown): string =>
  String(v ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

export interface Link {
  href: string;
  rel: string;
  type?: string;
  title?: string;
}

/** `href` with f=html (and the access_token the page was opened with, so links keep working). */
function htmlHref(href: string, token: string | null): string {
  const u = new URL(href);
  u.searchParams.set('f', 'html');
  if (token) u.searchParams.set('access_token', token);
  return u.toString();
}

const STYLE = `body{font:14px/1.5 system-ui,"WenQuanYi Zen Hei",sans-serif;margin:1.5rem;max-width:72rem}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
th{background:#f3f3f3}pre{background:#f7f7f7;padding:.5rem;overflow:auto}a{color:#0b57d0}`;

/** A page for `doc` (a landing page, collection, FeatureCollection or Feature). */
export function renderHtml(title: string, doc: Record<string, unknown>, token: string | null): string {
  const links = ((doc.links as Link[] | undefined) ?? []).filter((l) => l.rel !== 'alternate');
  const parts: string[] = [`<h1>${esc(title)}</h1>`];
  if (doc.description) parts.push(`<p>${esc(doc.description)}</p>`);
  if (links.length) {
    parts.push(
      '<ul>' +
        links
          .map((l) => {
            const href = /json|html/.test(l.type ?? 'html') ? htmlHref(l.href, token) : l.href;
            return `<li>${esc(l.rel)}: <a href="${esc(href)}">${esc(l.title ?? l.href)}</a></li>`;
          })
          .join('') +
        '</ul>',
    );
  }
  if (Array.isArray(doc.collections)) {
    parts.push('<table><tr><th>id</th><th>title</th><th>description</th></tr>');
    for (const c of doc.collections as Record<string, unknown>[]) {
      const self = ((c.links as Link[]) ?? []).find((l) => l.rel === 'self');
      parts.push(
        `<tr><td><a href="${esc(self ? htmlHref(self.href, token) : '#')}">${esc(c.id)}</a></td><td>${esc(c.title)}</td><td>${esc(c.description)}</td></tr>`,
      );
    }
    parts.push('</table>');
  }
  if (Array.isArray(doc.conformsTo))
    parts.push('<ul>' + doc.conformsTo.map((c) => `<li>${esc(c)}</li>`).join('') + '</ul>');
  const features = Array.isArray(doc.features)
    ? (doc.features as Record<string, unknown>[])
    : doc.type === 'Feature'
      ? [doc]
      : [];
  if (doc.numberMatched !== undefined)
    parts.push(`<p>numberMatched ${esc(doc.numberMatched)} · numberReturned ${esc(doc.numberReturned)}</p>`);
  if (features.length) {
    const keys = [...new Set(features.flatMap((f) => Object.keys((f.properties as object) ?? {})))].filter(
      (k) => k !== 'chain',
    );
    parts.push(`<table><tr><th>id</th>${keys.map((k) => `<th>${esc(k)}</th>`).join('')}<th>geometry</th></tr>`);
    for (const f of features) {
      const p = (f.properties ?? {}) as Record<string, unknown>;
      const g = f.geometry as { type?: string; coordinates?: unknown } | null;
      const geom = g?.type === 'Point' ? `Point ${esc(JSON.stringify(g.coordinates))}` : esc(g?.type ?? '');
      parts.push(
        `<tr><td>${esc(f.id)}</td>${keys.map((k) => `<td>${esc(typeof p[k] === 'object' && p[k] !== null ? JSON.stringify(p[k]) : p[k])}</td>`).join('')}<td>${geom}</td></tr>`,
      );
    }
    parts.push('</table>');
  }
  if (doc.extent) parts.push(`<h2>extent</h2><pre>${esc(JSON.stringify(doc.extent, null, 2))}</pre>`);
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title><style>${STYLE}</style></head><body>${parts.join('\n')}</body></html>`;
}
