export type AuditActorType = 'staff' | 'system' | 'customer';
export type AuditOutcome = 'success' | 'failure';

/** What happened, who did it, to what. Never raw customer text, tokens or passwords. */
export interface AuditEventInput {
  actor: { type: AuditActorType; id?: string };
  action: string;
  resource: { type: string; id?: string };
  outcome: AuditOutcome;
  /** client address, or 'webhook' / 'system' */
  origin?: string;
  before?: unknown;
  after?: unknown;
  details?: Record<string, unknown>;
}

/** One stored event, as the API returns it. */
export interface AuditEventView {
  seq: string;
  id: string;
  occurredAt: string;
  actor: { type: AuditActorType; id: string | null };
  action: string;
  resource: { type: string; id: string | null };
  outcome: AuditOutcome;
  origin: string | null;
  before: unknown;
  after: unknown;
  details: unknown;
  /** the event's link in the hash chain: all null until the chainer links it (within a second) */
  chainPosition: string | null;
  prevHash: string | null;
  hash: string | null;
}
