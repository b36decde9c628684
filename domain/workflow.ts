/**
 * The 数字城管 closed-loop workflow as a pure state machine.
 *
 * 上报 → 立案 → 派遣 → 处置中 → 已处置待核查 → 结案, with 返工 (re-inspection fails),
 * 作废 / 重复 (voided), 延期 (new deadline) and 督办 (escalation flag). This module only decides
 * what may happen; the caller writes the `problems` row and its `problem_events` row.
 */

/** Every problem status, in closed-loop order. */
export const STATUSES = [
  'reported', // 上报
  'filed', // 立案
  'dispatched', // 派遣
  'in_progress', // 处置中
  'resolved', // 已处置待核查
  'closed', // 结案
  'voided', // 作废
] as const;

export type Status = (typeof STATUSES)[number];

/** Statuses after which nothing may happen: the record is final. */
export const TERMINAL_STATUSES: readonly Status[] = ['closed', 'voided'];

/**
 * Statuses that still count as open work. `resolved` is open on purpose: the loop only ends when
 * re-inspection passes, so an unchecked fix past its deadline is still overdue.
 */
export const OPEN_STATUSES: readonly Status[] = STATUSES.filter((s) => !TERMINAL_STATUSES.includes(s));

/** Every workflow action. */
export const ACTIONS = [
  'file', // 立案 (sets due_at)
  'dispatch', // 派遣
  'start', // 开始处置
  'resolve', // 处置完成
  'close', // 核查通过, 结案
  'rework', // 核查不通过, 返工
  'void', // 作废
  'extend', // 延期
  'escalate', // 督办
  'mark_duplicate', // 重复, 作废并关联原案
] as const;

export type Action = (typeof ACTIONS)[number];

export const ROLES = ['admin', 'leader', 'manager', 'inspector', 'department'] as const;

export type Role = (typeof ROLES)[number];

/**
 * Roles that may report (create) a problem and correct or move an open one. Leaders supervise
 * only; departments may report what they find while handling their own categories.
 */
export const REPORT_ROLES: readonly Role[] = ['admin', 'inspector', 'manager', 'department'];

/** Where an action may start and where it leads; `'same'` keeps the status (延期, 督办). */
export const TRANSITIONS: Readonly<Record<Action, { from: readonly Status[]; to: Status | 'same' }>> = {
  file: { from: ['reported'], to: 'filed' },
  dispatch: { from: ['filed'], to: 'dispatched' },
  start: { from: ['dispatched'], to: 'in_progress' },
  // A quick fix on arrival is common, so resolving straight from dispatched is allowed.
  resolve: { from: ['dispatched', 'in_progress'], to: 'resolved' },
  close: { from: ['resolved'], to: 'closed' },
  rework: { from: ['resolved'], to: 'in_progress' },
  // Once work is dispatched the case must run to closure; voiding then would hide accountability.
  void: { from: ['reported', 'filed'], to: 'voided' },
  // Extending after resolution makes no sense: the work is done, only the check remains.
  extend: { from: ['filed', 'dispatched', 'in_progress'], to: 'same' },
  escalate: { from: OPEN_STATUSES, to: 'same' },
  mark_duplicate: { from: ['reported', 'filed'], to: 'voided' },
};

/**
 * Actions each role may perform. Leaders supervise (督办) but do not handle cases; inspectors
 * create and re-inspect; managers (网格长 / 责任单位) run their area; departments (条) do the work.
 */
export const ROLE_ACTIONS: Readonly<Record<Role, readonly Action[]>> = {
  admin: ACTIONS,
  leader: ['escalate'],
  inspector: ['file', 'void', 'close', 'rework', 'mark_duplicate'],
  manager: ['file', 'dispatch', 'start', 'resolve', 'extend', 'void', 'mark_duplicate'],
  department: ['start', 'resolve', 'extend'],
};

/** Actions that must carry a note: the reason (or, resolving, what was done) is part of the record (台账). */
export const NOTE_REQUIRED_ACTIONS: readonly Action[] = ['resolve', 'void', 'extend', 'rework', 'mark_duplicate'];

/** Actions that must carry a new `due_at`. */
export const DUE_AT_REQUIRED_ACTIONS: readonly Action[] = ['extend'];

/** Actions that must reference another problem (the original of a duplicate). */
export const DUPLICATE_OF_REQUIRED_ACTIONS: readonly Action[] = ['mark_duplicate'];

export const STATUS_LABELS_ZH: Readonly<Record<Status, string>> = {
  reported: '上报',
  filed: '立案',
  dispatched: '派遣',
  in_progress: '处置中',
  resolved: '已处置待核查',
  closed: '结案',
  voided: '作废',
};

export const STATUS_LABELS_EN: Readonly<Record<Status, string>> = {
  reported: 'Reported',
  filed: 'Filed',
  dispatched: 'Dispatched',
  in_progress: 'In progress',
  resolved: 'Resolved, awaiting re-inspection',
  closed: 'Closed',
  voided: 'Voided',
};

export const ACTION_LABELS_ZH: Readonly<Record<Action, string>> = {
  file: '立案',
  dispatch: '派遣',
  start: '开始处置',
  resolve: '处置完成',
  close: '核查结案',
  rework: '返工',
  void: '作废',
  extend: '延期',
  escalate: '督办',
  mark_duplicate: '标记重复',
};

export const ACTION_LABELS_EN: Readonly<Record<Action, string>> = {
  file: 'File',
  dispatch: 'Dispatch',
  start: 'Start work',
  resolve: 'Mark resolved',
  close: 'Close (re-inspection passed)',
  rework: 'Send back for rework',
  void: 'Void',
  extend: 'Extend deadline',
  escalate: 'Escalate',
  mark_duplicate: 'Mark as duplicate',
};

/** State the machine needs beyond the status itself. */
export interface WorkflowFlags {
  /** The problem is already under 督办; escalating twice adds nothing. */
  escalated?: boolean;
}

/** True when `action` may be applied to `status` by someone, ignoring roles and flags. */
function validFrom(status: Status, action: Action): boolean {
  return TRANSITIONS[action].from.includes(status);
}

/**
 * The status `action` leads to from `status`, or `null` when the action is illegal there.
 * Ignores roles and flags; use {@link transition} for a full check.
 */
export function nextStatus(status: Status, action: Action): Status | null {
  if (!validFrom(status, action)) return null;
  const to = TRANSITIONS[action].to;
  return to === 'same' ? status : to;
}

/** Actions `role` may perform on a problem in `status`, in {@link ACTIONS} order. */
export function allowedActions(status: Status, role: Role, flags: WorkflowFlags = {}): Action[] {
  return ACTIONS.filter(
    (a) => validFrom(status, a) && ROLE_ACTIONS[role].includes(a) && !(a === 'escalate' && flags.escalated),
  );
}

/**
 * Why a transition was refused. `illegal`: no role may do it from this status (HTTP 409 with the
 * allowed list); `forbidden`: the status permits it but this role may not (HTTP 403).
 */
export type TransitionRefusal = 'illegal' | 'forbidden';

export type TransitionResult = { ok: true; to: Status } | { ok: false; reason: TransitionRefusal; allowed: Action[] };

/**
 * Check one action by one role. On refusal, `allowed` lists what this role may do instead, so
 * the API can answer 409 with the legal moves.
 */
export function transition(status: Status, action: Action, role: Role, flags: WorkflowFlags = {}): TransitionResult {
  const allowed = allowedActions(status, role, flags);
  if (allowed.includes(action)) return { ok: true, to: nextStatus(status, action)! };
  const legalForSomeone = validFrom(status, action) && !(action === 'escalate' && flags.escalated);
  return { ok: false, reason: legalForSomeone ? 'forbidden' : 'illegal', allowed };
}

/** What an action carries besides its name. */
export interface ActionInput {
  note?: string | null;
  /** The new deadline requested by `extend`. */
  dueAt?: Date | null;
  /** The problem's current deadline, against which `extend` is checked. */
  currentDueAt?: Date | null;
  /** Id of the original problem for `mark_duplicate`. */
  duplicateOf?: string | number | null;
}

export type ActionInputError = 'note_required' | 'due_at_required' | 'due_at_not_later' | 'duplicate_of_required';

/**
 * Check the payload an action needs: a non-blank note for 处置完成 / 作废 / 延期 / 返工 / 重复, a new deadline
 * for 延期 strictly later than the current one, and the original's id for a duplicate.
 * Returns the first problem found, or `null` when the input is complete.
 */
export function validateActionInput(action: Action, input: ActionInput): ActionInputError | null {
  if (NOTE_REQUIRED_ACTIONS.includes(action) && !input.note?.trim()) return 'note_required';
  if (DUE_AT_REQUIRED_ACTIONS.includes(action)) {
    if (!input.dueAt || Number.isNaN(input.dueAt.getTime())) return 'due_at_required';
    // Without a current deadline (should not happen once filed) any valid date is an extension.
    if (input.currentDueAt && input.dueAt.getTime() <= input.currentDueAt.getTime()) return 'due_at_not_later';
  }
  if (DUPLICATE_OF_REQUIRED_ACTIONS.includes(action) && (input.duplicateOf == null || input.duplicateOf === '')) {
    return 'duplicate_of_required';
  }
  return null;
}
