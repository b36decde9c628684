/** Small HTTP rules more than one route needs. */
import type { FastifyRequest } from 'fastify';

/**
 * True when the request's If-None-Match names `etag` or is `*`. Weak comparison (RFC 9110
 * §13.1.2): `W/"x"` and `"x"` match, as If-None-Match requires.
 */
export function ifNoneMatch(request: FastifyRequest, etag: string): boolean {
  const header = request.headers['if-none-match'];
  if (!header) return false;
  const bare = etag.replace(/^W\//, '');
  return header.trim() === '*' || header.split(',').some((t) => t.trim().replace(/^W\//, '') === bare);
}
