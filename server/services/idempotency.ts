/**
 * The `Idempotency-Key` header shared by problem creation and transitions: read and checked here,
 * claimed and recorded in the write's own transaction (db/queries/idempotency.ts).
 */
import type { FastifyRequest } from 'fastify';
import type { Transaction } from 'kysely';
import type { DB } from '../../db/types.js';
import { AppError } from '../errors.js';
import { claimIdempotencyKey, type IdempotencyRecord } from '../../db/queries/idempotency.js';

const KEY_PATTERN = /^[A-Za-z0-9_.:-]{8,200}$/;

/** The request's idempotency key, or null without one; a malformed key is a 400. */
export function idempotencyKeyOf(request: FastifyRequest): string | null {
  const raw = request.headers['idempotency-key'];
  if (raw === undefined) return null;
  const key = Array.isArray(raw) ? raw[0] : raw;
  if (!KEY_PATTERN.test(key))
    throw new AppError(
      'VALIDATION_FAILED',
      'Idempotency-Key must be 8 to 200 characters of letters, digits and _ . : -',
      undefined,
      { reason: 'bad_idempotency_key' },
    );
  return key;
}

/**
 * Claims the key for `what` (method and route with the id, e.g. `POST /api/problems/7/transitions`).
 * Returns the earlier request's record when this is a retry; a key reused for a different request
 * is a 422 (the client has a bug, and answering with the other request's result would hide it).
 */
export async function claimKey(
  trx: Transaction<DB>,
  userId: number,
  key: string,
  what: string,
): Promise<IdempotencyRecord | null> {
  const prior = await claimIdempotencyKey(trx, userId, key, what);
  if (prior && prior.request !== what)
    throw new AppError('IDEMPOTENCY_KEY_REUSED', `this Idempotency-Key was used for ${prior.request}`, undefined, {
      reason: 'key_reused',
      request: prior.request,
    });
  return prior;
}
