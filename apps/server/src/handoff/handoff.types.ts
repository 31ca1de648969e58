import type { DetectionSummary } from '../conversations/message.entity.js';
import type { HandoffAction } from '../triggers/trigger.types.js';

export const HANDOFF_STATES = ['offered', 'opened', 'redeemed', 'verified', 'active', 'closed', 'expired', 'revoked'] as const;
export type HandoffState = (typeof HANDOFF_STATES)[number];
/** A link of a handoff in these states can still be redeemed (if not past its expiry). */
export const LIVE_OFFER_STATES: readonly HandoffState[] = ['offered', 'opened'];
/** A customer session of a handoff in these states works. */
export const SESSION_STATES: readonly HandoffState[] = ['redeemed', 'verified', 'active'];
export const FINAL_STATES: readonly HandoffState[] = ['closed', 'expired', 'revoked'];

/** What a `handoff` trigger asks for: the triggers module's action type. */
export type { HandoffAction } from '../triggers/trigger.types.js';

export interface OfferInput {
  conversationId: string;
  pageId: string;
  psid: string;
  triggerId: string;
  triggerVersion: number;
  action: HandoffAction;
  detection: DetectionSummary | null;
  /** When the customer's message that asks for it was stored: a live offer sent since answers it already. */
  messageAt?: Date;
}

export type OfferOutcome = 'offered' | 'resent' | 'suppressed';
export type NewLinkOutcome = OfferOutcome | 'no_previous_offer';

/** Why a link did not work: the link library's codes, or what the database said. */
export type LinkFailureCode = string;

export interface VerifiedIdentityClaims {
  name: string | null;
  customerNumber: string | null;
}

/** A handoff as staff see it: no token, no nonce hash; the verified identity only when asked. */
export interface HandoffView {
  id: string;
  conversationId: string;
  pageId: string;
  psid: string;
  triggerId: string | null;
  triggerVersion: number | null;
  detection: DetectionSummary | null;
  queue: string;
  state: HandoffState;
  expiresAt: string;
  sendCount: number;
  threadPassedTo: string | null;
  verification: { method: 'oidc' | 'none' | null; verified: boolean; claims: VerifiedIdentityClaims | null; subject: string | null };
  revokedBy: string | null;
  revokedReason: string | null;
  timestamps: Partial<Record<'offered' | 'opened' | 'redeemed' | 'verified' | 'active' | 'closed' | 'expired' | 'revoked', string>>;
}
