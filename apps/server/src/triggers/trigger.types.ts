import type { DetectionResult, EntityType } from '@handoff/detection';

export interface HandoffAction {
  type: 'handoff';
  /** routing queue the secure conversation joins */
  queue: string;
  /** text of the Messenger message that carries the secure-chat button */
  messageText: string;
  linkTtlSeconds: number;
  /** pass Messenger thread control to another app (handover protocol) */
  passThreadControl: boolean;
  targetAppId?: string;
}

export interface WarnAction {
  type: 'warn';
  /** reply in Messenger, e.g. asking the customer not to share such data there */
  messageText: string;
}

export type TriggerAction = HandoffAction | WarnAction;

export const ATTACHMENT_TYPES = ['image', 'video', 'audio', 'file', 'location', 'sticker', 'template', 'fallback', 'reel'] as const;
export type AttachmentType = (typeof ATTACHMENT_TYPES)[number];

/** Each present kind is one condition; `match` combines them. */
export interface TriggerConditions {
  match: 'all' | 'any';
  /** the detected intent is one of `labels` or belongs to one of `themes`, with at least `minConfidence` */
  intents?: { labels?: string[]; themes?: string[]; minConfidence: number };
  /** sensitive data of one of `types` (omitted: any type) with at least `minScore` */
  entities?: { types?: EntityType[]; minScore: number };
  /** words or phrases, case-insensitive, on word boundaries */
  keywords?: string[];
  /** RE2 regular expressions (linear time), case-insensitive */
  patterns?: string[];
  attachments?: AttachmentType[];
  /** the customer asked for a human ("can I talk to a person", "agent please") */
  askedForHuman?: boolean;
}

export type TriggerScope = { type: 'all' } | { type: 'pages'; pageIds: string[] };

export interface TriggerDefinition {
  name: string;
  description: string;
  enabled: boolean;
  /** higher wins */
  priority: number;
  scope: TriggerScope;
  conditions: TriggerConditions;
  action: TriggerAction;
}

export type TriggerChange = 'created' | 'updated' | 'restored' | 'deleted';

/** One immutable version of a trigger. */
export interface TriggerVersion extends TriggerDefinition {
  id: string;
  version: number;
  change: TriggerChange;
  restoredFrom: number | null;
  /** staff id; null for the system (default triggers) */
  createdBy: string | null;
  createdAt: string;
  deleted: boolean;
}

export interface TriggerEvaluationInput {
  pageId: string;
  detection: DetectionResult;
  /** the normalised raw text: in memory only, never stored */
  text: string;
  attachmentTypes: string[];
  /** when the caller knows; otherwise the evaluator's phrase matcher decides from `text` */
  askedForHuman?: boolean;
}

export interface TriggerDecision {
  triggerId: string;
  triggerName: string;
  version: number;
  action: HandoffAction | WarnAction;
  /** which conditions matched, in words; never customer text */
  explanation: string[];
}
