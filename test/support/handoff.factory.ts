import { DataEncryptionService } from '../../apps/server/src/crypto/data-encryption.service.js';
import { OUTBOX_BODY_PURPOSE } from '../../apps/server/src/outbound/outbox.service.js';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { HandoffService } from '../../apps/server/src/handoff/handoff.service.js';
import type { HandoffAction, OfferOutcome } from '../../apps/server/src/handoff/handoff.types.js';
import { newPsid } from './messenger.factory.js';
import type { TestApp } from './test-app.js';

export function handoffAction(overrides: Partial<HandoffAction> = {}): HandoffAction {
  return {
    type: 'handoff',
    queue: 'cards',
    messageText: 'For your security, please continue in our secure chat.',
    linkTtlSeconds: 600,
    passThreadControl: false,
    ...overrides,
  };
}

export function dataSourceOf(server: TestApp): DataSource {
  return server.app.get<DataSource>(getDataSourceToken());
}

export async function newConversation(server: TestApp): Promise<{ conversationId: string; psid: string; pageId: string }> {
  const psid = newPsid();
  const pageId = server.config.messenger.pageId;
  const rows = (await dataSourceOf(server).query(`INSERT INTO conversations (page_id, psid, last_seq) VALUES ($1, $2, 0) RETURNING id`, [pageId, psid])) as {
    id: string;
  }[];
  return { conversationId: rows[0]!.id, psid, pageId };
}

/** The button's URL of a stored outbox body, and its token. */
export function linkOf(body: unknown): { url: string; token: string } {
  const url = (body as { message: { attachment: { payload: { buttons: { url: string }[] } } } }).message.attachment.payload.buttons[0]!.url;
  const token = url.slice(url.indexOf('/s/') + 3);
  return { url, token };
}

export interface Offered {
  outcome: OfferOutcome;
  conversationId: string;
  psid: string;
  pageId: string;
  handoffId: string;
  token: string;
  url: string;
}

/** A conversation with a handoff offered through HandoffService (as the reactions service does). */
export async function offerHandoff(server: TestApp, action: Partial<HandoffAction> = {}, conversation?: { conversationId: string; psid: string; pageId: string }): Promise<Offered> {
  const db = dataSourceOf(server);
  const target = conversation
    ? { conversationId: conversation.conversationId, psid: conversation.psid, pageId: conversation.pageId }
    : await newConversation(server);
  const outcome = await db.transaction((manager) =>
    server.app.get(HandoffService).offerFromMessenger(manager, {
      ...target,
      triggerId: '00000000-0000-4000-8000-000000000001',
      triggerVersion: 3,
      action: handoffAction(action),
      detection: { entities: [{ type: 'CARD', count: 1 }], intent: { label: 'lost_card', confidence: 0.93, sensitive: true, theme: 'cards' } },
    }),
  );
  const latest = await latestLink(server, target.conversationId);
  return { ...target, ...latest, outcome };
}

export async function latestLink(server: TestApp, conversationId: string): Promise<{ handoffId: string; token: string; url: string }> {
  const db = dataSourceOf(server);
  const [outbox] = (await db.query(
    `SELECT sealed_body FROM outbox_messages WHERE conversation_id = $1 AND kind = 'message' AND body::text LIKE '%/s/%' ORDER BY created_at DESC LIMIT 1`,
    [conversationId],
  )) as { sealed_body: string | null }[];
  if (!outbox?.sealed_body) throw new Error('no sealed outbox body with a link (already delivered?)');
  // The link is only readable sealed, as the worker reads it.
  const body = JSON.parse(server.app.get(DataEncryptionService).decrypt(outbox.sealed_body, OUTBOX_BODY_PURPOSE)) as unknown;
  const [handoff] = (await db.query(`SELECT id FROM handoffs WHERE conversation_id = $1 ORDER BY offered_at DESC LIMIT 1`, [conversationId])) as { id: string }[];
  return { handoffId: handoff!.id, ...linkOf(body) };
}

/** A Set-Cookie header's `name=value` part, for the next request's Cookie header. */
export function cookiePair(response: Response): string | null {
  const header = response.headers.get('set-cookie');
  return header ? header.split(';')[0]! : null;
}
