/**
 * Typed Messenger webhook events, one variant per kind, produced by `parseWebhook`.
 *
 * Dedupe keys (Meta retries anything but a 200, so every event may arrive several times; the
 * key is identical across retries of the same event and distinct between different events):
 * - message            `message:<mid>`                        mids are globally unique
 * - echo               `echo:<mid>`
 * - postback           `postback:<mid>`, or without a mid (older or standby postbacks)
 *                      `postback:<pageId>:<senderId>:<timestamp>`
 * - delivery           `delivery:<pageId>:<senderId>:<watermark>`  a watermark covers every earlier message
 * - read               `read:<pageId>:<senderId>:<watermark>`
 * - reaction           `reaction:<pageId>:<senderId>:<timestamp>:<mid>:<action>:<emoji|reaction>`
 *                      the timestamp keeps react / unreact / react again as three events
 * - referral, optin, pass_thread_control, take_thread_control, request_thread_control, unknown
 *                      `<kind>:<pageId>:<senderId>:<timestamp>`
 * Ids are digit strings and the timestamp an integer, so only the last component can contain
 * a colon; free text inside the reaction key is URI-encoded to keep the key unambiguous.
 */

export type EventSource = 'messaging' | 'standby';

export interface EventBase {
  /** `entry.id`: the Page the event belongs to. */
  readonly pageId: string;
  /** `standby` when another app (e.g. the Page Inbox) owns the thread. */
  readonly source: EventSource;
  readonly senderId: string;
  readonly recipientId: string;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  readonly dedupeKey: string;
}

export interface MessageAttachment {
  /** image, audio, video, file, fallback, sticker, template, location, ... as Meta names it. */
  readonly type: string;
  readonly url?: string;
}

export interface Referral {
  readonly ref?: string;
  readonly source?: string;
  readonly type?: string;
  readonly adId?: string;
  readonly refererUri?: string;
}

/** A message from the customer. `text` is passed on whole: inbound text may exceed the 2000-character send limit. */
export interface MessageEvent extends EventBase {
  readonly kind: 'message';
  readonly mid: string;
  readonly text?: string;
  readonly quickReplyPayload?: string;
  readonly attachments: readonly MessageAttachment[];
  readonly replyToMid?: string;
}

/** A copy of a message the Page sent (sender = the Page, recipient = the customer). Never customer input. */
export interface EchoEvent extends EventBase {
  readonly kind: 'echo';
  readonly mid: string;
  readonly text?: string;
  readonly attachments: readonly MessageAttachment[];
  /** The app that sent the message; absent when a person sent it from the Page Inbox. */
  readonly appId?: string;
  readonly metadata?: string;
}

export interface PostbackEvent extends EventBase {
  readonly kind: 'postback';
  readonly mid?: string;
  readonly title?: string;
  /** Absent in standby. */
  readonly payload?: string;
  readonly referral?: Referral;
}

export interface DeliveryEvent extends EventBase {
  readonly kind: 'delivery';
  readonly mids: readonly string[];
  /** Every message sent before this time (ms) was delivered. */
  readonly watermark: number;
}

export interface ReadEvent extends EventBase {
  readonly kind: 'read';
  /** Every message sent before this time (ms) was read. */
  readonly watermark: number;
}

export interface ReactionEvent extends EventBase {
  readonly kind: 'reaction';
  /** The message reacted to. */
  readonly mid: string;
  /** `react` or `unreact`. */
  readonly action: string;
  /** Meta's name for it: smile, angry, sad, wow, love, like, dislike, other. */
  readonly reaction?: string;
  readonly emoji?: string;
}

export interface ReferralEvent extends EventBase {
  readonly kind: 'referral';
  readonly referral: Referral;
}

export interface OptinEvent extends EventBase {
  readonly kind: 'optin';
  readonly ref?: string;
  readonly type?: string;
  readonly payload?: string;
}

export interface PassThreadControlEvent extends EventBase {
  readonly kind: 'pass_thread_control';
  readonly newOwnerAppId?: string;
  readonly previousOwnerAppId?: string;
  readonly metadata?: string;
}

export interface TakeThreadControlEvent extends EventBase {
  readonly kind: 'take_thread_control';
  readonly previousOwnerAppId?: string;
  readonly newOwnerAppId?: string;
  readonly metadata?: string;
}

export interface RequestThreadControlEvent extends EventBase {
  readonly kind: 'request_thread_control';
  readonly requestedOwnerAppId?: string;
  readonly metadata?: string;
}

/** A well-formed event of a kind this library does not model (its field names only, for logs). */
export interface UnknownEvent extends EventBase {
  readonly kind: 'unknown';
  readonly fields: readonly string[];
}

export type MessengerEvent =
  | MessageEvent
  | EchoEvent
  | PostbackEvent
  | DeliveryEvent
  | ReadEvent
  | ReactionEvent
  | ReferralEvent
  | OptinEvent
  | PassThreadControlEvent
  | TakeThreadControlEvent
  | RequestThreadControlEvent
  | UnknownEvent;

export type MessengerEventKind = MessengerEvent['kind'];

export type ThreadControlEvent = PassThreadControlEvent | TakeThreadControlEvent | RequestThreadControlEvent;

/** The customer's PSID in the thread the event belongs to: the recipient of an echo, the sender otherwise. */
export function customerPsid(event: MessengerEvent): string {
  return event.kind === 'echo' ? event.recipientId : event.senderId;
}

/** True for what the customer said or chose (messages, postbacks): the input to detect and answer. */
export function isCustomerInput(event: MessengerEvent): event is MessageEvent | PostbackEvent {
  return event.kind === 'message' || event.kind === 'postback';
}

export function isThreadControlEvent(event: MessengerEvent): event is ThreadControlEvent {
  return (
    event.kind === 'pass_thread_control' || event.kind === 'take_thread_control' || event.kind === 'request_thread_control'
  );
}
