/**
 * Workflow transitions and the record (台账): one transaction per transition that locks the
 * problem, checks version, role and status with the pure state machine, writes the new row and
 * exactly one `problem_events` row, and bumps the map's data version.
 *
 * Concurrency: the row is read `FOR UPDATE` and written `WHERE version = $expected`, so of two
 * transitions sent with the same version exactly one succeeds. On PostgreSQL the second waits for
 * the lock and then reads the new version; on PGlite (one connection) they simply run in turn.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../types.js';
import { problemScopeSql, type Scope } from './scope.js';
import { bumpProblemsVersion } from './problems.js';
import { loadCalendar } from './calendar.js';
import {
  allowedActions,
  transition,
  validateActionInput,
  type Action,
  type ActionInputError,
  type Role,
  type Status,
} from '../../domain/workflow.js';
import { computeDueAt, type ClockType } from '../../domain/deadline.js';

/** Who performs a transition; `username` goes into the record as the actor. */
export interface Actor {
  id: number | null;
  username: string;
  role: Role;
}

export interface TransitionRequest {
  action: Action;
  /** The version the caller last read. */
  version: number;
  note?: string | null;
  photos?: string[];
  /** New deadline (extend only). */
  dueAt?: Date | null;
  /** The original problem (mark_duplicate only). */
  duplicateOf?: number | null;
  /** More facts for the record's `data` (e.g. the evidence check of after-photos). */
  data?: Record<string, unknown>;
}

export type InvalidReason =
  | ActionInputError
  | 'due_at_in_past'
  | 'due_at_not_allowed'
  | 'duplicate_of_not_allowed'
  | 'duplicate_of_self'
  | 'duplicate_of_unknown'
  | 'duplicate_of_other_category'
  | 'duplicate_of_voided';

export type TransitionOutcome =
  | { kind: 'ok'; id: number; from: Status; to: Status; version: number; eventId: number }
  | { kind: 'not_found' }
  | { kind: 'version_conflict'; version: number; allowed: Action[] }
  | { kind: 'refused'; reason: 'illegal' | 'forbidden'; version: number; allowed: Action[] }
  | { kind: 'invalid'; reason: InvalidReason; version: number; allowed: Action[] };

interface LockedProblem {
  id: number;
  status: Status;
  version: number;
  escalated: boolean;
  due_at: Date | null;
  category_code: string;
  limit_value: number;
  clock: ClockType;
}

/** Reads and locks one problem inside the caller's scope; `null` when missing or outside it. */
async function lockProblem(trx: Transaction<DB>, id: number, scope: Scope): Promise<LockedProblem | null> {
  // FOR UPDATE OF p: lock the problem only, not the shared category row.
  const r = await sql<LockedProblem>`
    SELECT p.id, p.status, p.version, p.escalated, p.due_at, p.category_code, c.limit_value, c.clock
    FROM problems p JOIN categories c ON c.code = p.category_code
    WHERE p.id = ${id} AND ${problemScopeSql(scope, 'p.region_code', 'p.category_code')}
    FOR UPDATE OF p`.execute(trx);
  return r.rows[0] ?? null;
}

/** The check a duplicate's original must pass: visible to the caller, same category, not voided. */
async function checkDuplicateTarget(
  trx: Transaction<DB>,
  problem: LockedProblem,
  targetId: number,
  scope: Scope,
): Promise<InvalidReason | null> {
  if (targetId === problem.id) return 'duplicate_of_self';
  const target = await trx
    .selectFrom('problems')
    .select(['category_code', 'status'])
    .where('id', '=', targetId)
    .where(problemScopeSql(scope))
    .executeTakeFirst();
  // A target outside the scope answers like a missing one: existence is not leaked.
  if (!target) return 'duplicate_of_unknown';
  if (target.category_code !== problem.category_code) return 'duplicate_of_other_category';
  if (target.status === 'voided') return 'duplicate_of_voided';
  return null;
}

/**
 * Applies one workflow action in one transaction. Nothing is written unless the outcome is `ok`.
 *
 * @param now the instant of the transition (filing time, timestamps of the record); tests pass a
 *   fixed one to get known deadlines
 */
export async function applyTransition(
  db: Kysely<DB>,
  problemId: number,
  req: TransitionRequest,
  actor: Actor,
  scope: Scope,
  now: Date = new Date(),
): Promise<TransitionOutcome> {
  return db.transaction().execute((trx) => applyTransitionIn(trx, problemId, req, actor, scope, now));
}

/**
 * {@link applyTransition} inside the caller's transaction, for work that must commit or roll back
 * with it (an inspection filing the problems its failed items create, attaching photos, an
 * idempotency key). The caller rolls back unless the outcome is `ok`.
 */
export async function applyTransitionIn(
  trx: Transaction<DB>,
  problemId: number,
  req: TransitionRequest,
  actor: Actor,
  scope: Scope,
  now: Date = new Date(),
): Promise<TransitionOutcome> {
  const p = await lockProblem(trx, problemId, scope);
  if (!p) return { kind: 'not_found' };
  const decision = await decideTransition(trx, p, req, actor, scope, now);
  if (decision.kind === 'stop') return decision.outcome;
  const { to, allowed } = decision;

  const note = req.note?.trim() || null;
  const { set, data } = await rowChanges(trx, p, req, note, now);
  const version = await writeProblemRow(trx, p.id, req.version, to, set, now);
  // Unreachable while the row lock holds; kept so a future change to the locking cannot let
  // two writers through.
  if (version === null) return { kind: 'version_conflict', version: p.version, allowed };
  data.version = version;

  const eventId = await writeTransitionEvent(trx, p, req, actor, to, note, data, now);
  await bumpProblemsVersion(trx);
  return { kind: 'ok', id: p.id, from: p.status, to, version, eventId };
}

/** What {@link decideTransition} concluded: go ahead to `to`, or stop with this outcome. */
type Decision = { kind: 'go'; to: Status; allowed: Action[] } | { kind: 'stop'; outcome: TransitionOutcome };

/**
 * Decides whether the locked problem may take the requested action, in the order the caller
 * learns about it: a stale version first (the caller must re-read before anything else means
 * something), then the state machine's role and status rules, then the request's own fields.
 * Every refusal carries the current version and the actions that are allowed, so the page can
 * offer them without another read.
 */
async function decideTransition(
  trx: Transaction<DB>,
  p: LockedProblem,
  req: TransitionRequest,
  actor: Actor,
  scope: Scope,
  now: Date,
): Promise<Decision> {
  const flags = { escalated: p.escalated };
  const allowed = allowedActions(p.status, actor.role, flags);
  if (req.version !== p.version) {
    return { kind: 'stop', outcome: { kind: 'version_conflict', version: p.version, allowed } };
  }

  const verdict = transition(p.status, req.action, actor.role, flags);
  if (!verdict.ok) {
    return { kind: 'stop', outcome: { kind: 'refused', reason: verdict.reason, version: p.version, allowed } };
  }

  const reason = await checkRequestFields(trx, p, req, scope, now);
  if (reason) return { kind: 'stop', outcome: { kind: 'invalid', reason, version: p.version, allowed } };
  return { kind: 'go', to: verdict.to, allowed };
}

/**
 * Checks the request's fields against the action, `null` when they are fine. A field that an
 * action does not use is refused rather than silently dropped; the pure rules of
 * `validateActionInput` come next; then the checks that need the clock (a new deadline must lie
 * in the future) or the database (a duplicate's original).
 */
async function checkRequestFields(
  trx: Transaction<DB>,
  p: LockedProblem,
  req: TransitionRequest,
  scope: Scope,
  now: Date,
): Promise<InvalidReason | null> {
  if (req.dueAt != null && req.action !== 'extend') return 'due_at_not_allowed';
  if (req.duplicateOf != null && req.action !== 'mark_duplicate') return 'duplicate_of_not_allowed';
  const inputError = validateActionInput(req.action, {
    note: req.note,
    dueAt: req.dueAt,
    currentDueAt: p.due_at,
    duplicateOf: req.duplicateOf,
  });
  if (inputError) return inputError;
  if (req.action === 'extend' && req.dueAt!.getTime() <= now.getTime()) return 'due_at_in_past';
  if (req.action === 'mark_duplicate') return checkDuplicateTarget(trx, p, req.duplicateOf!, scope);
  return null;
}

/**
 * The action's own changes to the problem row (`set`: timestamps, deadline, counters) and the
 * facts it adds to the record (`data`: the computed deadline, the original of a duplicate …).
 * Status, `updated_at` and the version are the same for every action and are added by
 * {@link writeProblemRow}.
 */
async function rowChanges(
  trx: Transaction<DB>,
  p: LockedProblem,
  req: TransitionRequest,
  note: string | null,
  now: Date,
): Promise<{ set: Record<string, unknown>; data: Record<string, unknown> }> {
  const data: Record<string, unknown> = {};
  const set: Record<string, unknown> = {};
  switch (req.action) {
    case 'file': {
      // Overrides are read in the same transaction: PGlite has one connection, and the
      // calendar an admin saved before this transaction began is the one that applies.
      const due = computeDueAt(now, Number(p.limit_value), p.clock, await loadCalendar(trx));
      Object.assign(set, { filed_at: now, due_at: due });
      Object.assign(data, { due_at: due.toISOString(), limit_value: Number(p.limit_value), clock: p.clock });
      break;
    }
    case 'dispatch':
      set.dispatched_at = now;
      break;
    case 'resolve':
      set.resolved_at = now;
      break;
    case 'close':
      set.closed_at = now;
      break;
    case 'rework':
      // Not resolved any more: the next `resolve` stamps the time again.
      set.resolved_at = null;
      set.rework_count = sql`rework_count + 1`;
      break;
    case 'void':
      Object.assign(set, { voided_at: now, void_reason: note });
      break;
    case 'mark_duplicate':
      Object.assign(set, { voided_at: now, void_reason: note, duplicate_of: req.duplicateOf });
      data.duplicate_of = req.duplicateOf;
      break;
    case 'extend':
      Object.assign(set, { due_at: req.dueAt, extension_count: sql`extension_count + 1` });
      Object.assign(data, {
        due_at: req.dueAt!.toISOString(),
        previous_due_at: p.due_at ? p.due_at.toISOString() : null,
      });
      break;
    case 'escalate':
      Object.assign(set, { escalated: true, escalated_at: now });
      break;
    case 'start':
      break;
  }
  return { set, data };
}

/**
 * Writes the new status and the action's changes, bumping the row's version; guarded by
 * `WHERE version = expected` so a lost update is impossible even without the lock. Returns the
 * new version, `null` when the guard matched no row.
 */
async function writeProblemRow(
  trx: Transaction<DB>,
  id: number,
  expectedVersion: number,
  to: Status,
  set: Record<string, unknown>,
  now: Date,
): Promise<number | null> {
  const updated = await trx
    .updateTable('problems')
    .set({ ...set, status: to, updated_at: now, version: sql`version + 1` })
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .returning(['version'])
    .executeTakeFirst();
  return updated ? updated.version : null;
}

/**
 * Appends the one record (台账) row of this transition: who, when, from which status to which,
 * the note and photos, and the caller's facts merged with the action's (the action's win).
 * Returns the event's id.
 */
async function writeTransitionEvent(
  trx: Transaction<DB>,
  p: LockedProblem,
  req: TransitionRequest,
  actor: Actor,
  to: Status,
  note: string | null,
  data: Record<string, unknown>,
  now: Date,
): Promise<number> {
  const event = await trx
    .insertInto('problem_events')
    .values({
      problem_id: p.id,
      at: now,
      actor: actor.username,
      actor_id: actor.id,
      action: req.action,
      from_status: p.status,
      to_status: to,
      note,
      photos: req.photos ?? [],
      data: JSON.stringify({ ...req.data, ...data }),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return event.id;
}

export interface ProblemEventRow {
  id: number;
  at: Date;
  actor: string;
  /** The actor's display name (董建国), or the recorded actor when no user row matches (imports, seed). */
  actor_name: string;
  actor_role: string | null;
  action: string;
  from_status: string | null;
  to_status: string | null;
  note: string | null;
  photos: string[];
  data: Record<string, unknown> | null;
}

/**
 * A problem's record, oldest first; `null` when the problem is missing or outside the scope.
 * One query: the problem row decides visibility, the LEFT JOIN brings its events.
 */
export async function listProblemEvents(
  db: Kysely<DB>,
  problemId: number,
  scope: Scope,
): Promise<ProblemEventRow[] | null> {
  const r = await sql<ProblemEventRow & { id: number | null }>`
    SELECT e.id, e.at, e.actor, COALESCE(u.display_name, e.actor) AS actor_name, u.role AS actor_role,
      e.action, e.from_status, e.to_status, e.note, e.photos, e.data
    FROM problems p LEFT JOIN problem_events e ON e.problem_id = p.id LEFT JOIN users u ON u.id = e.actor_id
    WHERE p.id = ${problemId} AND ${problemScopeSql(scope, 'p.region_code', 'p.category_code')}
    ORDER BY e.id`.execute(db);
  if (r.rows.length === 0) return null;
  return r.rows.filter((e) => e.id !== null) as ProblemEventRow[];
}
