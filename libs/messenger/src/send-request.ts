import { SendValidationError, type SendValidationCode } from './graph-api.error.js';

/** Send API limits (MESSENGER.md). Lengths count Unicode code points. */
export const SEND_LIMITS = {
  textMaxChars: 2000,
  quickRepliesMax: 13,
  quickReplyTitleMaxChars: 20,
  quickReplyPayloadMaxChars: 1000,
  templateTextMaxChars: 640,
  buttonsMin: 1,
  buttonsMax: 3,
  buttonTitleMaxChars: 20,
  metadataMaxChars: 1000,
} as const;

export type MessagingType = 'RESPONSE' | 'UPDATE' | 'MESSAGE_TAG';
export type MessageTag =
  | 'HUMAN_AGENT'
  | 'ACCOUNT_UPDATE'
  | 'CONFIRMED_EVENT_UPDATE'
  | 'POST_PURCHASE_UPDATE'
  | 'CUSTOMER_FEEDBACK';
export type SenderAction = 'typing_on' | 'typing_off' | 'mark_seen';

/** The Page a call is made for. */
export interface PageCredentials {
  readonly pageId: string;
  readonly accessToken: string;
}

export interface QuickReply {
  readonly title: string;
  readonly payload: string;
  readonly imageUrl?: string;
}

export interface SendOptions {
  readonly quickReplies?: readonly QuickReply[];
  /** Defaults to RESPONSE (a reply inside the 24-hour window). */
  readonly messagingType?: MessagingType;
  /** Required with MESSAGE_TAG, e.g. HUMAN_AGENT (7 days, needs app review). */
  readonly tag?: MessageTag;
  /** Comes back in the echo; keep personal data out of it. */
  readonly metadata?: string;
}

export interface UrlButton {
  /** At most 20 characters. */
  readonly title: string;
  readonly url: string;
}

export interface ButtonTemplate {
  /** At most 640 characters. */
  readonly text: string;
  /** One to three. */
  readonly buttons: readonly UrlButton[];
}

// Wire format, exactly as the Send API takes it (snake_case), so an outbox can store it as JSON.

export interface WireQuickReply {
  content_type: 'text';
  title: string;
  payload: string;
  image_url?: string;
}

export interface WireUrlButton {
  type: 'web_url';
  url: string;
  title: string;
  webview_height_ratio: 'full';
  /** Always false: the bank's page must not depend on Meta's SDK. */
  messenger_extensions: false;
}

export interface ButtonTemplateAttachment {
  type: 'template';
  payload: { template_type: 'button'; text: string; buttons: WireUrlButton[] };
}

export type OutboundMessage =
  | { text: string; quick_replies?: WireQuickReply[]; metadata?: string }
  | { attachment: ButtonTemplateAttachment; quick_replies?: WireQuickReply[]; metadata?: string };

export interface MessageRequestBody {
  recipient: { id: string };
  messaging_type: MessagingType;
  tag?: MessageTag;
  message: OutboundMessage;
}

/** A sender action travels alone: only the recipient and the action. */
export interface SenderActionRequestBody {
  recipient: { id: string };
  sender_action: SenderAction;
}

export type SendRequestBody = MessageRequestBody | SenderActionRequestBody;

const DIGITS = /^[0-9]{1,32}$/;
const MESSAGING_TYPES: ReadonlySet<string> = new Set(['RESPONSE', 'UPDATE', 'MESSAGE_TAG']);
const SENDER_ACTIONS: ReadonlySet<string> = new Set(['typing_on', 'typing_off', 'mark_seen']);

export function buildTextMessage(psid: string, text: string, options: SendOptions = {}): MessageRequestBody {
  const message: OutboundMessage = { text };
  return finishMessage(psid, message, options);
}

export function buildButtonTemplate(psid: string, template: ButtonTemplate, options: SendOptions = {}): MessageRequestBody {
  const buttons: WireUrlButton[] = template.buttons.map((button) => ({
    type: 'web_url',
    url: button.url,
    title: button.title,
    webview_height_ratio: 'full',
    messenger_extensions: false,
  }));
  const message: OutboundMessage = {
    attachment: { type: 'template', payload: { template_type: 'button', text: template.text, buttons } },
  };
  return finishMessage(psid, message, options);
}

export function buildSenderAction(psid: string, action: SenderAction): SenderActionRequestBody {
  const body: SenderActionRequestBody = { recipient: { id: psid }, sender_action: action };
  validateSendRequest(body);
  return body;
}

function finishMessage(psid: string, message: OutboundMessage, options: SendOptions): MessageRequestBody {
  if (options.quickReplies !== undefined) {
    message.quick_replies = options.quickReplies.map((reply) => ({
      content_type: 'text',
      title: reply.title,
      payload: reply.payload,
      ...(reply.imageUrl !== undefined ? { image_url: reply.imageUrl } : {}),
    }));
  }
  if (options.metadata !== undefined) message.metadata = options.metadata;
  const body: MessageRequestBody = {
    recipient: { id: psid },
    messaging_type: options.messagingType ?? 'RESPONSE',
    message,
  };
  if (options.tag !== undefined) body.tag = options.tag;
  validateSendRequest(body);
  return body;
}

/**
 * Checks a body against Meta's limits, so a request Meta would refuse fails here, typed, with
 * no call made. Also used by `SendApiClient.send` on bodies an outbox stored earlier.
 */
export function validateSendRequest(body: SendRequestBody): void {
  if (typeof body !== 'object' || body === null) throw new SendValidationError('INVALID_BODY', 'body', 'must be an object');
  const recipientId: unknown = typeof body.recipient === 'object' && body.recipient !== null ? body.recipient.id : undefined;
  if (typeof recipientId !== 'string' || !DIGITS.test(recipientId)) {
    throw new SendValidationError('INVALID_RECIPIENT', 'recipient.id', 'must be a PSID (digits)');
  }
  if ('sender_action' in body) {
    if (!SENDER_ACTIONS.has(body.sender_action)) throw new SendValidationError('INVALID_BODY', 'sender_action', 'is not a known action');
    if (Object.keys(body).some((key) => key !== 'recipient' && key !== 'sender_action')) {
      throw new SendValidationError('INVALID_BODY', 'sender_action', 'must be sent alone, with only recipient');
    }
    return;
  }
  if (!MESSAGING_TYPES.has(body.messaging_type)) throw new SendValidationError('INVALID_BODY', 'messaging_type', 'is not a known type');
  if (body.messaging_type === 'MESSAGE_TAG' && body.tag === undefined) {
    throw new SendValidationError('TAG_REQUIRED', 'tag', 'is required with messaging_type MESSAGE_TAG');
  }
  if (body.messaging_type !== 'MESSAGE_TAG' && body.tag !== undefined) {
    throw new SendValidationError('TAG_NOT_ALLOWED', 'tag', 'is only allowed with messaging_type MESSAGE_TAG');
  }
  const message: unknown = body.message;
  if (typeof message !== 'object' || message === null) throw new SendValidationError('INVALID_BODY', 'message', 'must be an object');
  if ('text' in body.message) {
    const text: unknown = body.message.text;
    requireText(text, 'EMPTY_TEXT', 'message.text');
    checkMax(text, SEND_LIMITS.textMaxChars, 'TEXT_TOO_LONG', 'message.text');
  } else if ('attachment' in body.message) {
    validateButtonTemplate(body.message.attachment);
  } else {
    throw new SendValidationError('INVALID_BODY', 'message', 'needs text or attachment');
  }
  const replies = body.message.quick_replies;
  if (replies !== undefined) {
    if (!Array.isArray(replies) || replies.length === 0) {
      throw new SendValidationError('INVALID_QUICK_REPLY', 'message.quick_replies', 'must be a non-empty list');
    }
    if (replies.length > SEND_LIMITS.quickRepliesMax) {
      throw new SendValidationError('TOO_MANY_QUICK_REPLIES', 'message.quick_replies', `exceeds ${SEND_LIMITS.quickRepliesMax}`);
    }
    replies.forEach((reply, i) => {
      const field = `message.quick_replies[${i}]`;
      requireText(reply.title, 'INVALID_QUICK_REPLY', `${field}.title`);
      checkMax(reply.title, SEND_LIMITS.quickReplyTitleMaxChars, 'INVALID_QUICK_REPLY', `${field}.title`);
      requireText(reply.payload, 'INVALID_QUICK_REPLY', `${field}.payload`);
      checkMax(reply.payload, SEND_LIMITS.quickReplyPayloadMaxChars, 'INVALID_QUICK_REPLY', `${field}.payload`);
    });
  }
  const metadata: unknown = body.message.metadata;
  if (metadata !== undefined) {
    if (typeof metadata !== 'string') throw new SendValidationError('INVALID_BODY', 'message.metadata', 'must be a string');
    checkMax(metadata, SEND_LIMITS.metadataMaxChars, 'METADATA_TOO_LONG', 'message.metadata');
  }
}

function validateButtonTemplate(attachment: ButtonTemplateAttachment): void {
  const payload: unknown = attachment?.payload;
  if (attachment?.type !== 'template' || typeof payload !== 'object' || payload === null || attachment.payload.template_type !== 'button') {
    throw new SendValidationError('INVALID_BODY', 'message.attachment', 'must be a button template');
  }
  const { text, buttons } = attachment.payload;
  requireText(text, 'EMPTY_TEXT', 'message.attachment.payload.text');
  checkMax(text, SEND_LIMITS.templateTextMaxChars, 'TEMPLATE_TEXT_TOO_LONG', 'message.attachment.payload.text');
  if (!Array.isArray(buttons) || buttons.length < SEND_LIMITS.buttonsMin || buttons.length > SEND_LIMITS.buttonsMax) {
    throw new SendValidationError(
      'INVALID_BUTTON_COUNT',
      'message.attachment.payload.buttons',
      `must hold ${SEND_LIMITS.buttonsMin} to ${SEND_LIMITS.buttonsMax} buttons`,
    );
  }
  buttons.forEach((button, i) => {
    const field = `message.attachment.payload.buttons[${i}]`;
    requireText(button.title, 'BUTTON_TITLE_TOO_LONG', `${field}.title`);
    checkMax(button.title, SEND_LIMITS.buttonTitleMaxChars, 'BUTTON_TITLE_TOO_LONG', `${field}.title`);
    if (!isHttpUrl(button.url)) throw new SendValidationError('INVALID_BUTTON_URL', `${field}.url`, 'must be an absolute http(s) URL');
    if (button.type !== 'web_url' || button.messenger_extensions !== false) {
      throw new SendValidationError('INVALID_BODY', field, 'must be a web_url button without messenger_extensions');
    }
  });
}

function requireText(value: unknown, code: SendValidationCode, field: string): asserts value is string {
  if (typeof value !== 'string' || value.trim().length === 0) throw new SendValidationError(code, field, 'must not be empty');
}

function checkMax(value: string, max: number, code: SendValidationCode, field: string): void {
  // Quick check first: a string of at most `max` UTF-16 units has at most `max` code points.
  if (value.length > max && countCodePoints(value) > max) throw new SendValidationError(code, field, `exceeds ${max} characters`);
}

function countCodePoints(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
