/**
 * Telling "the database is not there" apart from "this request is wrong": a lost or refused
 * connection, a server shutting down, a pool that cannot hand out a connection in time, or a
 * statement cancelled by `statement_timeout` is the service's momentary condition (503, retry),
 * never the caller's fault and never a 500 bug.
 */

/** SQLSTATE classes and codes that mean the database (not the query) failed. */
const UNAVAILABLE_SQLSTATE = /^(08|57P0[1-4]|53300|57014)/;
/** Node socket errors on the way to the server. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** node-postgres and PGlite messages for a dead or unavailable connection (they carry no code). */
const MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|connection timeout|not queryable|Query read timeout|Cannot use a pool after calling end|PGlite is closed|driver has already been destroyed/i;

/** True when `err` says the database is unreachable, shutting down, overloaded or timed out. */
export function isDbUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && (UNAVAILABLE_SQLSTATE.test(e.code) || SOCKET_CODES.has(e.code))) return true;
  if (typeof e.message === 'string' && MESSAGES.test(e.message)) return true;
  // AggregateError (ECONNREFUSED on both ::1 and 127.0.0.1) and wrapped causes.
  if (Array.isArray(e.errors) && e.errors.some(isDbUnavailable)) return true;
  return e.cause !== undefined && e.cause !== err && isDbUnavailable(e.cause);
}
