/**
 * A small Open311 GeoReport v2 client written from the specification (wiki.open311.org/GeoReport_v2),
 * not from this code base: it imports nothing of server/ or db/, builds requests from the spec's
 * field lists, speaks plain HTTP (fetch), and reads XML with fast-xml-parser's XMLParser.
 */
import { XMLParser } from 'fast-xml-parser';

/** The fields of a service request in a GET requests response (spec, "Response" of GET Service Requests). */
export const SPEC_REQUEST_FIELDS = [
  'service_request_id',
  'status',
  'status_notes',
  'service_name',
  'service_code',
  'description',
  'agency_responsible',
  'service_notice',
  'requested_datetime',
  'updated_datetime',
  'expected_datetime',
  'address',
  'address_id',
  'zipcode',
  'lat',
  'long',
  'media_url',
] as const;

/** The arguments of POST Service Request (spec). */
export interface SpecPostArgs {
  api_key?: string;
  service_code: string;
  lat?: number;
  long?: number;
  address_string?: string;
  email?: string;
  device_id?: string;
  account_id?: string;
  first_name?: string;
  last_name?: string;
  phone?: string;
  description?: string;
  media_url?: string;
  /** attribute[CODE] = value (an array for a multivaluelist). */
  attribute?: Record<string, string | string[]>;
  /** Anything else the server documents as an extension. */
  extra?: Record<string, string>;
}

export interface HttpAnswer<T> {
  status: number;
  contentType: string;
  text: string;
  body: T;
}

const xml = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  // The spec's list elements: always arrays, even with one item.
  isArray: (name) => ['request', 'service', 'error', 'endpoint', 'format', 'attribute', 'value', 'note'].includes(name),
});

export class Open311Client {
  constructor(
    /** The endpoint url from discovery, e.g. http://127.0.0.1:PORT/open311/v2 */
    readonly endpoint: string,
    readonly apiKey?: string,
  ) {}

  private async get<T>(path: string, format: 'json' | 'xml', params: Record<string, string> = {}) {
    const q = new URLSearchParams(params);
    if (this.apiKey) q.set('api_key', this.apiKey);
    const res = await fetch(`${this.endpoint}/${path}.${format}${q.size ? `?${q}` : ''}`);
    return this.read<T>(res, format);
  }

  private async read<T>(res: Response, format: 'json' | 'xml'): Promise<HttpAnswer<T>> {
    const text = await res.text();
    const contentType = res.headers.get('content-type') ?? '';
    const body = (format === 'xml' ? xml.parse(text) : JSON.parse(text)) as T;
    return { status: res.status, contentType, text, body };
  }

  discovery(format: 'json' | 'xml' = 'json') {
    return this.get<any>('discovery', format);
  }

  services(format: 'json' | 'xml' = 'json') {
    return this.get<any>('services', format);
  }

  serviceDefinition(code: string, format: 'json' | 'xml' = 'json') {
    return this.get<any>(`services/${encodeURIComponent(code)}`, format);
  }

  /** POST Service Request, application/x-www-form-urlencoded as the spec says. */
  async post(args: SpecPostArgs, format: 'json' | 'xml' = 'json') {
    const form = new URLSearchParams();
    const key = args.api_key ?? this.apiKey;
    if (key) form.set('api_key', key);
    form.set('service_code', args.service_code);
    for (const f of [
      'lat',
      'long',
      'address_string',
      'email',
      'device_id',
      'account_id',
      'first_name',
      'last_name',
      'phone',
      'description',
      'media_url',
    ] as const) {
      if (args[f] !== undefined) form.set(f, String(args[f]));
    }
    for (const [code, v] of Object.entries(args.attribute ?? {})) {
      for (const one of Array.isArray(v) ? v : [v])
        form.append(Array.isArray(v) ? `attribute[${code}][]` : `attribute[${code}]`, one);
    }
    for (const [k, v] of Object.entries(args.extra ?? {})) form.set(k, v);
    const res = await fetch(`${this.endpoint}/requests.${format}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    return this.read<any>(res, format);
  }

  /** GET Service Requests with the spec's filters (and any extension such as page / page_size). */
  requests(params: Record<string, string> = {}, format: 'json' | 'xml' = 'json') {
    return this.get<any>('requests', format, params);
  }

  request(id: string, format: 'json' | 'xml' = 'json') {
    return this.get<any>(`requests/${encodeURIComponent(id)}`, format);
  }

  token(token: string, format: 'json' | 'xml' = 'json') {
    return this.get<any>(`tokens/${encodeURIComponent(token)}`, format);
  }
}

/** The request list of an answer in either format: JSON is an array, XML is <service_requests><request>…. */
export function requestsOf(answer: HttpAnswer<any>, format: 'json' | 'xml'): Record<string, any>[] {
  if (format === 'json') return answer.body;
  return answer.body.service_requests?.request ?? [];
}

/** The errors of an answer in either format: [{ code, description }] or <errors><error>…. */
export function errorsOf(answer: HttpAnswer<any>, format: 'json' | 'xml'): { code: number; description: string }[] {
  if (format === 'json') return answer.body;
  return (answer.body.errors?.error ?? []).map((e: any) => ({ code: Number(e.code), description: e.description }));
}
