/**
 * Open311 answers as JSON or XML. XML is the spec's required format: every list is a root element
 * holding one child per item (`<services><service>…`, `<service_requests><request>…`), nulls are
 * empty elements, nested lists (`notes`, `formats`, `values`) repeat their singular element.
 * Built with fast-xml-parser's XMLBuilder (escaping included).
 */
import { XMLBuilder } from 'fast-xml-parser';
import type { FastifyReply } from 'fastify';

export type Format = 'json' | 'xml';

const builder = new XMLBuilder({ format: true, suppressEmptyNode: false, processEntities: true });

/** Singular element name for the items of each list the spec defines. */
const ITEM: Record<string, string> = {
  services: 'service',
  service_requests: 'request',
  errors: 'error',
  endpoints: 'endpoint',
  formats: 'format',
  attributes: 'attribute',
  values: 'value',
  notes: 'note',
};

/** Turns arrays into { singular: [...] } and nulls into '' so the builder writes the spec's shape. */
function xmlShape(value: unknown, key = ''): unknown {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return { [ITEM[key] ?? 'item']: value.map((v) => xmlShape(v)) };
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, xmlShape(v, k)]));
  }
  return value;
}

/** The XML document for `root` (e.g. 'service_requests') holding `body`. */
export function toXml(root: string, body: unknown): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n${builder.build({ [root]: xmlShape(body, root) })}`;
}

/** Sends `body` as JSON, or as XML under `root`. */
export function sendAs(reply: FastifyReply, format: Format, root: string, body: unknown, status = 200) {
  reply.status(status);
  if (format === 'xml') return reply.type('text/xml; charset=utf-8').send(toXml(root, body));
  return reply.type('application/json; charset=utf-8').send(body);
}

/** The format a URL asks for (`….xml` or `….json`), JSON when it names neither. */
export function formatOfUrl(url: string): Format {
  return /\.xml$/i.test(url.split('?')[0]) ? 'xml' : 'json';
}
