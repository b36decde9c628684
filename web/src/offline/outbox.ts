/**
 * The outbox: reports, transitions and inspections (with their photos) waiting to reach the server, kept in
 * IndexedDB (`idb`) so they survive a closed app and a lost signal. Each item carries a
 * client-generated key sent as `Idempotency-Key`, so sending it again after a lost answer never
 * creates a second problem or applies a transition twice. A 409 (someone changed the problem
 * first) is kept and shown, never dropped; other refusals are kept with their reason too.
 */
import { openDB, type IDBPDatabase } from 'idb';
import {
  api,
  ApiError,
  type CreateProblemBody,
  type DevicePosition,
  type InspectionBody,
  type PhotoKind,
} from '../api.js';

export interface QueuedPhoto {
  blob: Blob;
  kind: PhotoKind;
  position: DevicePosition | null;
  /** Set once uploaded, so a retry does not upload it again. */
  uploadedId?: number;
  /** An inspection's photo: the standard item it shows. */
  itemId?: number;
}

interface Base {
  key: string;
  createdAt: string;
  photos: QueuedPhoto[];
  /** pending: to send; conflict: 409, shown to the user; failed: refused for another reason. */
  state: 'pending' | 'conflict' | 'failed';
  error?: { code: string; params: Record<string, unknown>; status: number; details?: unknown };
}
export interface QueuedCreate extends Base {
  type: 'create';
  body: Pick<CreateProblemBody, 'lon' | 'lat' | 'category' | 'description'>;
}
export interface QueuedTransition extends Base {
  type: 'transition';
  problemId: number;
  body: { action: string; version: number; note?: string; due_at?: string; duplicate_of?: number };
}
/**
 * An inspection of a point, item by item; each photo names its item. Sent with its key as
 * Idempotency-Key: a retry after a lost answer gets the inspection already recorded, never a second.
 */
export interface QueuedInspection extends Base {
  type: 'inspection';
  pointName: string;
  body: InspectionBody;
}
export type QueuedItem = QueuedCreate | QueuedTransition | QueuedInspection;

export type SendOutcome =
  | { state: 'sent'; result: unknown }
  | { state: 'queued' }
  | { state: 'conflict' | 'failed'; error: NonNullable<Base['error']> };

const DB_NAME = 'problem-map';
const STORE = 'outbox';
let dbPromise: Promise<IDBPDatabase> | null = null;
const db = () =>
  (dbPromise ??= openDB(DB_NAME, 1, {
    upgrade(d) {
      d.createObjectStore(STORE, { keyPath: 'key' });
    },
  }));

const listeners = new Set<(items: QueuedItem[]) => void>();
export function onOutboxChange(fn: (items: QueuedItem[]) => void): () => void {
  listeners.add(fn);
  void listItems().then(fn);
  return () => listeners.delete(fn);
}
async function changed(): Promise<void> {
  const items = await listItems();
  for (const fn of listeners) fn(items);
}

export async function listItems(): Promise<QueuedItem[]> {
  const all = (await (await db()).getAll(STORE)) as QueuedItem[];
  return all.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

export function newKey(): string {
  return `pm-${crypto.randomUUID()}`;
}

/** A network failure (no answer at all), as opposed to an answer refusing the request. */
const isNetworkError = (err: unknown) => !(err instanceof ApiError) || err.status === 0;

async function sendOne(item: QueuedItem): Promise<unknown> {
  const store = await db();
  const ids: number[] = [];
  for (const photo of item.photos) {
    if (photo.uploadedId === undefined) {
      photo.uploadedId = (await api.uploadPhoto(photo.blob, photo.kind, photo.position)).id;
      await store.put(STORE, item);
    }
    ids.push(photo.uploadedId);
  }
  if (item.type === 'create') return api.createProblem({ ...item.body, photo_ids: ids }, item.key);
  if (item.type === 'inspection') {
    const byItem = new Map<number, number[]>();
    item.photos.forEach((p, i) => {
      if (p.itemId === undefined) return;
      byItem.set(p.itemId, [...(byItem.get(p.itemId) ?? []), ids[i]]);
    });
    return api.submitInspection(
      {
        ...item.body,
        items: item.body.items.map((it) => ({ ...it, photo_ids: byItem.get(it.item_id) ?? [] })),
      },
      item.key,
    );
  }
  return api.transition(item.problemId, { ...item.body, ...(ids.length ? { photo_ids: ids } : {}) }, item.key);
}

let draining: Promise<void> | null = null;

/** Sends every pending item in order; stops at the first network failure (still offline). */
export function drain(): Promise<void> {
  draining ??= (async () => {
    try {
      for (const item of await listItems()) {
        if (item.state !== 'pending') continue;
        const outcome = await attempt(item);
        if (outcome.state === 'queued') break;
      }
    } finally {
      draining = null;
      await changed();
    }
  })();
  return draining;
}

async function attempt(item: QueuedItem): Promise<SendOutcome> {
  const store = await db();
  try {
    const result = await sendOne(item);
    await store.delete(STORE, item.key);
    await changed();
    return { state: 'sent', result };
  } catch (err) {
    if (isNetworkError(err)) return { state: 'queued' };
    const e = err as ApiError;
    item.state = e.status === 409 ? 'conflict' : 'failed';
    item.error = { code: e.code, params: e.params, status: e.status, details: e.details };
    await store.put(STORE, item);
    await changed();
    return { state: item.state, error: item.error };
  }
}

/**
 * Sends an item now if possible; otherwise keeps it in the outbox for when the connection
 * returns. Either way it is stored first, so closing the app mid-request loses nothing.
 */
export async function submit(
  item:
    | Omit<QueuedCreate, 'key' | 'createdAt' | 'state'>
    | Omit<QueuedTransition, 'key' | 'createdAt' | 'state'>
    | Omit<QueuedInspection, 'key' | 'createdAt' | 'state'>,
): Promise<SendOutcome> {
  const full = { ...item, key: newKey(), createdAt: new Date().toISOString(), state: 'pending' } as QueuedItem;
  await (await db()).put(STORE, full);
  await changed();
  if (!navigator.onLine) return { state: 'queued' };
  if (draining) await draining;
  const outcome = await attempt(full);
  // Refused while the user watches: the form shows why, so the outbox need not keep it.
  if (outcome.state === 'conflict' || outcome.state === 'failed') await dismiss(full.key);
  return outcome;
}

/** Drops an item the user has seen (a conflict or refusal) from the outbox. */
export async function dismiss(key: string): Promise<void> {
  await (await db()).delete(STORE, key);
  await changed();
}

/** Starts draining now and whenever the connection comes back. */
export function startOutbox(): void {
  window.addEventListener('online', () => void drain());
  void drain();
}
