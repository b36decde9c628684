import { describe, expect, it } from 'vitest';
import {
  ACTION_LABELS_EN,
  ACTION_LABELS_ZH,
  ACTIONS,
  allowedActions,
  nextStatus,
  OPEN_STATUSES,
  ROLE_ACTIONS,
  ROLES,
  STATUS_LABELS_EN,
  STATUS_LABELS_ZH,
  STATUSES,
  transition,
  validateActionInput,
  type Status,
} from '../../domain/workflow.js';

describe('workflow state machine', () => {
  it('runs the closed loop 上报 → 立案 → 派遣 → 处置中 → 已处置待核查 → 结案', () => {
    let s: Status = 'reported';
    const path: Status[] = [s];
    for (const a of ['file', 'dispatch', 'start', 'resolve', 'close'] as const) {
      const r = transition(s, a, 'admin');
      if (!r.ok) throw new Error(`${a} refused from ${s}`);
      s = r.to;
      path.push(s);
    }
    expect(path).toEqual(['reported', 'filed', 'dispatched', 'in_progress', 'resolved', 'closed']);
  });

  it('sends a failed re-inspection back to in_progress (返工)', () => {
    expect(nextStatus('resolved', 'rework')).toBe('in_progress');
  });

  it('lets a dispatched problem be resolved without an explicit start', () => {
    expect(nextStatus('dispatched', 'resolve')).toBe('resolved');
  });

  it('voids and marks duplicates only before dispatch', () => {
    for (const a of ['void', 'mark_duplicate'] as const) {
      expect(nextStatus('reported', a)).toBe('voided');
      expect(nextStatus('filed', a)).toBe('voided');
      expect(nextStatus('dispatched', a)).toBeNull();
      expect(nextStatus('resolved', a)).toBeNull();
    }
  });

  it('keeps the status on extend (filed, dispatched, in_progress only) and on escalate (any open status)', () => {
    for (const s of ['filed', 'dispatched', 'in_progress'] as const) expect(nextStatus(s, 'extend')).toBe(s);
    expect(nextStatus('reported', 'extend')).toBeNull();
    expect(nextStatus('resolved', 'extend')).toBeNull();
    for (const s of OPEN_STATUSES) expect(nextStatus(s, 'escalate')).toBe(s);
  });

  it('treats everything but closed and voided as open: exactly the statuses some role can still move on from', () => {
    const movable = STATUSES.filter((s) => ROLES.some((r) => allowedActions(s, r).length > 0));
    expect(movable).toEqual(['reported', 'filed', 'dispatched', 'in_progress', 'resolved']);
    expect(STATUSES.filter((s) => OPEN_STATUSES.includes(s))).toEqual(movable);
  });

  it('reaches every status from reported', () => {
    const seen = new Set<Status>(['reported']);
    const queue: Status[] = ['reported'];
    while (queue.length) {
      const s = queue.shift()!;
      for (const a of ACTIONS) {
        const to = nextStatus(s, a);
        if (to && !seen.has(to)) {
          seen.add(to);
          queue.push(to);
        }
      }
    }
    expect([...seen].sort()).toEqual([...STATUSES].sort());
  });

  it('makes closed and voided terminal for every role and action', () => {
    for (const s of ['closed', 'voided'] as const) {
      for (const a of ACTIONS) expect(nextStatus(s, a)).toBeNull();
      for (const r of ROLES) expect(allowedActions(s, r)).toEqual([]);
    }
  });
});

describe('allowedActions', () => {
  it('gives each role its own moves, in ACTIONS order', () => {
    expect(allowedActions('reported', 'inspector')).toEqual(['file', 'void', 'mark_duplicate']);
    expect(allowedActions('resolved', 'inspector')).toEqual(['close', 'rework']);
    expect(allowedActions('filed', 'manager')).toEqual(['dispatch', 'void', 'extend', 'mark_duplicate']);
    expect(allowedActions('dispatched', 'department')).toEqual(['start', 'resolve', 'extend']);
    expect(allowedActions('in_progress', 'leader')).toEqual(['escalate']);
    expect(allowedActions('filed', 'admin')).toEqual(['dispatch', 'void', 'extend', 'escalate', 'mark_duplicate']);
  });

  it('leaves the manager nothing to do while re-inspection is pending', () => {
    expect(allowedActions('resolved', 'manager')).toEqual([]);
  });

  it('does not offer escalate twice', () => {
    expect(allowedActions('in_progress', 'leader', { escalated: true })).toEqual([]);
    expect(allowedActions('in_progress', 'admin', { escalated: true })).not.toContain('escalate');
  });

  it('never offers an action outside the role or illegal from the status', () => {
    for (const r of ROLES) {
      for (const s of STATUSES) {
        for (const a of allowedActions(s, r)) {
          expect(ROLE_ACTIONS[r]).toContain(a);
          expect(nextStatus(s, a)).not.toBeNull();
        }
      }
    }
  });
});

describe('transition', () => {
  it('refuses an illegal action with the allowed list', () => {
    expect(transition('reported', 'close', 'inspector')).toEqual({
      ok: false,
      reason: 'illegal',
      allowed: ['file', 'void', 'mark_duplicate'],
    });
    expect(transition('closed', 'rework', 'admin')).toEqual({ ok: false, reason: 'illegal', allowed: [] });
  });

  it('refuses a legal action the role may not perform as forbidden', () => {
    expect(transition('filed', 'dispatch', 'inspector')).toEqual({
      ok: false,
      reason: 'forbidden',
      allowed: ['void', 'mark_duplicate'],
    });
    expect(transition('resolved', 'close', 'department')).toMatchObject({ ok: false, reason: 'forbidden' });
  });

  it('refuses escalating an escalated problem as illegal', () => {
    expect(transition('filed', 'escalate', 'leader', { escalated: true })).toEqual({
      ok: false,
      reason: 'illegal',
      allowed: [],
    });
    expect(transition('filed', 'escalate', 'leader')).toEqual({ ok: true, to: 'filed' });
  });
});

describe('action input', () => {
  it('asks resolve, void, extend, rework and mark_duplicate for a note and extend for a new deadline', () => {
    const asked = (code: string, input = {}) => ACTIONS.filter((a) => validateActionInput(a, input) === code).sort();
    expect(asked('note_required')).toEqual(['extend', 'mark_duplicate', 'resolve', 'rework', 'void']);
    expect(asked('due_at_required', { note: '理由' })).toEqual(['extend']);
  });

  it('requires a non-blank note', () => {
    expect(validateActionInput('void', {})).toBe('note_required');
    expect(validateActionInput('rework', { note: '   ' })).toBe('note_required');
    expect(validateActionInput('void', { note: '非本辖区' })).toBeNull();
    expect(validateActionInput('dispatch', {})).toBeNull();
  });

  it('requires an extension to move the deadline later', () => {
    const current = new Date('2025-10-09T18:00:00+08:00');
    expect(validateActionInput('extend', { note: '等待材料', currentDueAt: current })).toBe('due_at_required');
    expect(validateActionInput('extend', { note: '等待材料', currentDueAt: current, dueAt: current })).toBe(
      'due_at_not_later',
    );
    expect(
      validateActionInput('extend', {
        note: '等待材料',
        currentDueAt: current,
        dueAt: new Date('2025-10-10T18:00:00+08:00'),
      }),
    ).toBeNull();
  });

  it('requires the original for a duplicate', () => {
    expect(validateActionInput('mark_duplicate', { note: '同一地点' })).toBe('duplicate_of_required');
    expect(validateActionInput('mark_duplicate', { note: '同一地点', duplicateOf: 42 })).toBeNull();
  });
});

describe('labels', () => {
  it('names every status and action apart in Chinese and in English (no two share a label)', () => {
    for (const labels of [STATUS_LABELS_ZH, STATUS_LABELS_EN]) {
      const names = STATUSES.map((s) => labels[s].trim());
      expect(names.every((n) => n.length > 0)).toBe(true);
      expect(new Set(names).size).toBe(STATUSES.length);
    }
    for (const labels of [ACTION_LABELS_ZH, ACTION_LABELS_EN]) {
      const names = ACTIONS.map((a) => labels[a].trim());
      expect(names.every((n) => n.length > 0)).toBe(true);
      expect(new Set(names).size).toBe(ACTIONS.length);
    }
    expect(STATUS_LABELS_ZH.resolved).toBe('已处置待核查');
    expect(ACTION_LABELS_ZH.rework).toBe('返工');
  });
});
