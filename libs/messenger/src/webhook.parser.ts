import type {
  EventBase,
  EventSource,
  MessageAttachment,
  MessengerEvent,
  Referral,
} from './events.js';
import { isRecord } from './json.js';

/**
 * Events handled per POST. Meta batches up to about 1000; the rest is counted in `ignored`
 * (not silently dropped) so the caller can log it. The HTTP body limit is the real bound.
 */
export const MAX_EVENTS_PER_REQUEST = 5000;
/** Items kept per inner list (attachments, delivery mids); Meta sends a handful. */
export const MAX_ITEMS_PER_LIST = 1000;
/** PSIDs and page ids are 15-17 digits; anything much longer is not an id. */
const ID_PATTERN = /^[0-9]{1,32}$/;
const TIMESTAMP_PATTERN = /^[0-9]{1,16}$/;
const MAX_MID_LENGTH = 1024;
const MAX_UNKNOWN_FIELDS = 20;
const MAX_FIELD_NAME_LENGTH = 64;
const ENVELOPE_FIELDS = new Set(['sender', 'recipient', 'timestamp']);

export interface ParsedWebhook {
  /** `body.object`, normally `page`; the caller should refuse anything else. */
  readonly object: string | null;
  readonly events: MessengerEvent[];
  /** Events (or entries) that were malformed, of no valid id, or over `MAX_EVENTS_PER_REQUEST`. */
  readonly ignored: number;
}

type Base = Omit<EventBase, 'dedupeKey'>;
type JsonRecord = Record<string, unknown>;

/**
 * Turns a webhook body (already JSON-parsed, signature already checked) into typed events.
 * Loops over every entry and both its `messaging` and `standby` lists. Never throws: anything
 * malformed is counted in `ignored`. Ids may be numbers or digit strings and come out as
 * strings; text is type-checked, never truncated.
 */
export function parseWebhook(body: unknown): ParsedWebhook {
  let object: string | null = null;
  const events: MessengerEvent[] = [];
  let ignored = 0;
  try {
    if (!isRecord(body)) return { object, events, ignored };
    const rawObject = own(body, 'object');
    object = typeof rawObject === 'string' ? rawObject : null;
    const entries = own(body, 'entry');
    if (!Array.isArray(entries)) return { object, events, ignored };

    for (let i = 0; i < entries.length; i++) {
      const entry: unknown = entries[i];
      if (!isRecord(entry)) {
        ignored++;
        continue;
      }
      const pageId = normaliseId(own(entry, 'id'));
      const entryTime = normaliseTimestamp(own(entry, 'time'));
      for (const source of ['messaging', 'standby'] as const) {
        const list = own(entry, source);
        if (list === undefined) continue;
        if (!Array.isArray(list)) {
          ignored++;
          continue;
        }
        for (let j = 0; j < list.length; j++) {
          if (pageId === null || events.length >= MAX_EVENTS_PER_REQUEST) {
            ignored++;
            continue;
          }
          const event = parseEventSafely(list[j], pageId, source, entryTime);
          if (event === null) ignored++;
          else events.push(event);
        }
      }
    }
  } catch {
    // Only exotic objects (proxies, throwing getters) get here; JSON.parse output cannot.
    ignored++;
  }
  return { object, events, ignored };
}

function parseEventSafely(raw: unknown, pageId: string, source: EventSource, entryTime: number | null): MessengerEvent | null {
  try {
    return parseEvent(raw, pageId, source, entryTime);
  } catch {
    return null;
  }
}

function parseEvent(raw: unknown, pageId: string, source: EventSource, entryTime: number | null): MessengerEvent | null {
  if (!isRecord(raw)) return null;
  const senderId = idOf(own(raw, 'sender'));
  const recipientId = idOf(own(raw, 'recipient'));
  // Only an absent timestamp falls back to entry.time; a malformed one makes the event malformed.
  const rawTimestamp = own(raw, 'timestamp');
  const timestamp = rawTimestamp === undefined ? entryTime : normaliseTimestamp(rawTimestamp);
  if (senderId === null || recipientId === null || timestamp === null) return null;
  const base: Base = { pageId, source, senderId, recipientId, timestamp };
  const scoped = `${pageId}:${senderId}:${timestamp}`;

  // A present but malformed field of a known kind makes the event malformed, not unknown.
  const message = own(raw, 'message');
  if (message !== undefined) return isRecord(message) ? parseMessage(base, message) : null;

  const postback = own(raw, 'postback');
  if (postback !== undefined) {
    if (!isRecord(postback)) return null;
    const mid = midOf(own(postback, 'mid')) ?? undefined;
    return compact(event(base, {
      kind: 'postback' as const,
      dedupeKey: mid !== undefined ? `postback:${mid}` : `postback:${scoped}`,
      mid,
      title: str(own(postback, 'title')),
      payload: str(own(postback, 'payload')),
      referral: parseReferral(own(postback, 'referral')) ?? undefined,
    }));
  }

  const reaction = own(raw, 'reaction');
  if (reaction !== undefined) {
    if (!isRecord(reaction)) return null;
    const mid = midOf(own(reaction, 'mid'));
    const action = str(own(reaction, 'action'));
    if (mid === null || action === undefined) return null;
    const name = str(own(reaction, 'reaction'));
    const emoji = str(own(reaction, 'emoji'));
    const what = [mid, action, emoji ?? name ?? ''].map(encodeURIComponent).join(':');
    return compact(event(base, { kind: 'reaction' as const, dedupeKey: `reaction:${scoped}:${what}`, mid, action, reaction: name, emoji }));
  }

  const delivery = own(raw, 'delivery');
  if (delivery !== undefined) {
    if (!isRecord(delivery)) return null;
    const watermark = normaliseTimestamp(own(delivery, 'watermark'));
    if (watermark === null) return null;
    const mids = boundedList(own(delivery, 'mids'))
      .map(midOf)
      .filter((mid): mid is string => mid !== null);
    return event(base, { kind: 'delivery' as const, dedupeKey: `delivery:${pageId}:${senderId}:${watermark}`, mids, watermark });
  }

  const read = own(raw, 'read');
  if (read !== undefined) {
    if (!isRecord(read)) return null;
    const watermark = normaliseTimestamp(own(read, 'watermark'));
    if (watermark === null) return null;
    return event(base, { kind: 'read' as const, dedupeKey: `read:${pageId}:${senderId}:${watermark}`, watermark });
  }

  const optin = own(raw, 'optin');
  if (optin !== undefined) {
    if (!isRecord(optin)) return null;
    return compact(event(base, {
      kind: 'optin' as const,
      dedupeKey: `optin:${scoped}`,
      ref: str(own(optin, 'ref')),
      type: str(own(optin, 'type')),
      payload: str(own(optin, 'payload')),
    }));
  }

  const referralField = own(raw, 'referral');
  if (referralField !== undefined) {
    const referral = parseReferral(referralField);
    if (referral === null) return null;
    return event(base, { kind: 'referral' as const, dedupeKey: `referral:${scoped}`, referral });
  }

  const pass = own(raw, 'pass_thread_control');
  if (pass !== undefined) {
    if (!isRecord(pass)) return null;
    return compact(event(base, {
      kind: 'pass_thread_control' as const,
      dedupeKey: `pass_thread_control:${scoped}`,
      newOwnerAppId: normaliseId(own(pass, 'new_owner_app_id')) ?? undefined,
      previousOwnerAppId: normaliseId(own(pass, 'previous_owner_app_id')) ?? undefined,
      metadata: str(own(pass, 'metadata')),
    }));
  }

  const take = own(raw, 'take_thread_control');
  if (take !== undefined) {
    if (!isRecord(take)) return null;
    return compact(event(base, {
      kind: 'take_thread_control' as const,
      dedupeKey: `take_thread_control:${scoped}`,
      previousOwnerAppId: normaliseId(own(take, 'previous_owner_app_id')) ?? undefined,
      newOwnerAppId: normaliseId(own(take, 'new_owner_app_id')) ?? undefined,
      metadata: str(own(take, 'metadata')),
    }));
  }

  const request = own(raw, 'request_thread_control');
  if (request !== undefined) {
    if (!isRecord(request)) return null;
    return compact(event(base, {
      kind: 'request_thread_control' as const,
      dedupeKey: `request_thread_control:${scoped}`,
      requestedOwnerAppId: normaliseId(own(request, 'requested_owner_app_id')) ?? undefined,
      metadata: str(own(request, 'metadata')),
    }));
  }

  const fields = Object.keys(raw)
    .filter((key) => !ENVELOPE_FIELDS.has(key))
    .slice(0, MAX_UNKNOWN_FIELDS)
    .map((key) => key.slice(0, MAX_FIELD_NAME_LENGTH));
  return event(base, { kind: 'unknown' as const, dedupeKey: `unknown:${scoped}`, fields });
}

function parseMessage(base: Base, message: JsonRecord): MessengerEvent | null {
  const mid = midOf(own(message, 'mid'));
  if (mid === null) return null;
  const text = str(own(message, 'text'));
  const attachments = parseAttachments(own(message, 'attachments'));
  // An echo is the Page's own message; also catch one that lost its flag, so it is never taken as customer input.
  if (own(message, 'is_echo') === true || base.senderId === base.pageId) {
    return compact(event(base, {
      kind: 'echo' as const,
      dedupeKey: `echo:${mid}`,
      mid,
      text,
      attachments,
      appId: normaliseId(own(message, 'app_id')) ?? undefined,
      metadata: str(own(message, 'metadata')),
    }));
  }
  const quickReply = own(message, 'quick_reply');
  const replyTo = own(message, 'reply_to');
  return compact(event(base, {
    kind: 'message' as const,
    dedupeKey: `message:${mid}`,
    mid,
    text,
    quickReplyPayload: isRecord(quickReply) ? str(own(quickReply, 'payload')) : undefined,
    attachments,
    replyToMid: isRecord(replyTo) ? (midOf(own(replyTo, 'mid')) ?? undefined) : undefined,
  }));
}

function parseAttachments(value: unknown): MessageAttachment[] {
  const attachments: MessageAttachment[] = [];
  for (const item of boundedList(value)) {
    if (!isRecord(item)) continue;
    const payload = own(item, 'payload');
    const url = (isRecord(payload) ? str(own(payload, 'url')) : undefined) ?? str(own(item, 'url'));
    attachments.push(compact({ type: str(own(item, 'type')) ?? 'unknown', url }));
  }
  return attachments;
}

function parseReferral(value: unknown): Referral | null {
  if (!isRecord(value)) return null;
  const adId = own(value, 'ad_id');
  return compact({
    ref: str(own(value, 'ref')),
    source: str(own(value, 'source')),
    type: str(own(value, 'type')),
    adId: str(adId) ?? normaliseId(adId) ?? undefined,
    refererUri: str(own(value, 'referer_uri')),
  });
}

/** Own properties only: a `__proto__` or `constructor` key is plain data, never the prototype's. */
function own(record: JsonRecord, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function boundedList(value: unknown): unknown[] {
  return Array.isArray(value) ? value.slice(0, MAX_ITEMS_PER_LIST) : [];
}

/** Ids as digit strings. A number beyond 2^53 has already lost digits, so it is refused. */
function normaliseId(value: unknown): string | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? String(value) : null;
  if (typeof value === 'string') return ID_PATTERN.test(value) ? value : null;
  return null;
}

function idOf(value: unknown): string | null {
  return isRecord(value) ? normaliseId(own(value, 'id')) : null;
}

function normaliseTimestamp(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : null;
  if (typeof value === 'string' && TIMESTAMP_PATTERN.test(value)) {
    const parsed = Number(value);
    return Number.isSafeInteger(parsed) ? parsed : null;
  }
  return null;
}

function midOf(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_MID_LENGTH ? value : null;
}

/**
 * The event: the envelope's fields, then the kind's. Object.assign rather than `{ ...base, ... }`:
 * on Node 20 a spread followed by more properties in one literal measured 3-5 us per object, about
 * a hundred times the cost of this, and the parser builds one per webhook event.
 */
function event<T extends object>(base: Base, fields: T): Base & T {
  return Object.assign({}, base, fields);
}

/**
 * Drops undefined properties so an absent field is absent, not present-and-undefined. Copies rather
 * than `delete`s: deleting a property turns the object into a slow dictionary for every later read.
 */
function compact<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = v;
  }
  return out as T;
}
