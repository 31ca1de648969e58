export type EntityType =
  | 'CARD'
  | 'IBAN'
  | 'ROUTING'
  | 'ACCOUNT'
  | 'SSN'
  | 'CVV'
  | 'PIN'
  | 'OTP'
  | 'PASSWORD'
  | 'DOB'
  | 'EMAIL'
  | 'PHONE';

export const ENTITY_TYPES: readonly EntityType[] = Object.freeze([
  'CARD',
  'IBAN',
  'ROUTING',
  'ACCOUNT',
  'SSN',
  'CVV',
  'PIN',
  'OTP',
  'PASSWORD',
  'DOB',
  'EMAIL',
  'PHONE',
] as const);

/** A sensitive value found in a text. `start`/`end` index the ORIGINAL input string (UTF-16). */
export interface EntitySpan {
  type: EntityType;
  start: number;
  end: number;
  /** 0..1, how sure the recogniser is; overlaps resolve to the higher score */
  score: number;
  /** why it matched, e.g. `luhn+visa+context`; never contains the value */
  reason: string;
  /** cards only: the last four digits, which may be kept for display */
  last4?: string;
}

export interface IntentPrediction {
  label: string;
  confidence: number;
}

export interface IntentResult {
  /** the top label, or `unknown` below the confidence floor */
  label: string;
  confidence: number;
  sensitive: boolean;
  theme: string | null;
  top: IntentPrediction[];
  /** calibrated probability that the message needs this customer's own data (0 when unknown) */
  sensitiveProbability?: number;
}

export interface DetectionResult {
  redactedText: string;
  entities: EntitySpan[];
  intent: IntentResult | null;
  /** any entity, or a sensitive intent */
  sensitive: boolean;
}

export interface LabelSensitivity {
  sensitive: boolean;
  theme?: string;
}

export type SensitivityMapping = Record<string, LabelSensitivity>;

export const UNKNOWN_INTENT = 'unknown';
