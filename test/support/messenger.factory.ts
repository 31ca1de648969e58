import { randomBytes } from 'node:crypto';
import { signPayload } from '@handoff/messenger';
import { luhn } from './database-scan.js';

let counter = 0;

/**
 * A random 16-digit PSID that fails the Luhn check, so a database scan for card numbers that
 * escaped redaction never mistakes a test customer's id for one.
 */
export const newPsid = (): string => {
  const body = String(700_000_000_000_000n + BigInt(Math.floor(Math.random() * 1e14)));
  const last = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].find((digit) => !luhn(body + digit));
  return body + last;
};
export const newMid = (): string => `m_${randomBytes(12).toString('base64url')}_${++counter}`;

export interface TextMessageOptions {
  pageId: string;
  psid: string;
  text?: string;
  mid?: string;
  timestamp?: number;
  attachments?: { type: string; payload?: { url: string } }[];
  quickReplyPayload?: string;
  standby?: boolean;
}

export function messagingEvent(options: TextMessageOptions): Record<string, unknown> {
  const message: Record<string, unknown> = { mid: options.mid ?? newMid() };
  if (options.text !== undefined) message.text = options.text;
  if (options.attachments) message.attachments = options.attachments;
  if (options.quickReplyPayload) message.quick_reply = { payload: options.quickReplyPayload };
  return {
    sender: { id: options.psid },
    recipient: { id: options.pageId },
    timestamp: options.timestamp ?? Date.now(),
    message,
  };
}

export function envelope(pageId: string, events: Record<string, unknown>[], key: 'messaging' | 'standby' = 'messaging'): Record<string, unknown> {
  return { object: 'page', entry: [{ id: pageId, time: Date.now(), [key]: events }] };
}

/** Serialises like Meta: non-ASCII escaped as \uXXXX, so the signed bytes are exactly these. */
export function metaJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

export function signedRequest(body: string, appSecret: string): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signPayload(body, appSecret) },
    body,
  };
}
