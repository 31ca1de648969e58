/**
 * Context words, found once per message by a linear word scan (no regex alternation over the
 * whole text). Recognisers ask "is there a word of kind K within N characters before position p".
 */
export type ContextKind =
  | 'card'
  | 'notCard'
  | 'iban'
  | 'routing'
  | 'account'
  | 'sortCode'
  | 'ssn'
  | 'cvv'
  | 'pin'
  | 'otp'
  | 'notOtp'
  | 'password'
  | 'dob'
  | 'phone'
  | 'imei';

const SINGLE: Record<string, ContextKind[]> = {
  card: ['card'],
  cards: ['card'],
  visa: ['card'],
  mastercard: ['card'],
  amex: ['card'],
  maestro: ['card'],
  debit: ['card'],
  credit: ['card'],
  creditcard: ['card'],
  debitcard: ['card'],
  cc: ['card'],
  ccn: ['card'],
  pan: ['card'],
  cardnumber: ['card'],
  order: ['notCard'],
  tracking: ['notCard'],
  track: ['notCard'],
  parcel: ['notCard'],
  package: ['notCard'],
  shipment: ['notCard'],
  invoice: ['notCard'],
  ref: ['notCard'],
  reference: ['notCard'],
  confirmation: ['notCard'],
  serial: ['notCard'],
  ticket: ['notCard'],
  case: ['notCard'],
  claim: ['notCard'],
  booking: ['notCard'],
  policy: ['notCard'],
  coupon: ['notCard', 'notOtp'],
  voucher: ['notCard', 'notOtp'],
  promo: ['notCard', 'notOtp'],
  gift: ['notCard'],
  receipt: ['notCard'],
  transaction: ['notCard'],
  txn: ['notCard'],
  id: ['notCard'],
  imei: ['imei', 'notCard'],
  iban: ['iban'],
  routing: ['routing'],
  aba: ['routing'],
  rtn: ['routing'],
  transit: ['routing'],
  account: ['account'],
  accounts: ['account'],
  acct: ['account'],
  acc: ['account'],
  accnt: ['account'],
  checking: ['account'],
  chequing: ['account'],
  savings: ['account'],
  ssn: ['ssn'],
  ssns: ['ssn'],
  itin: ['ssn'],
  cvv: ['cvv'],
  cvv2: ['cvv'],
  cvc: ['cvv'],
  cvc2: ['cvv'],
  csc: ['cvv'],
  cid: ['cvv'],
  ccv: ['cvv'],
  pin: ['pin'],
  pincode: ['pin'],
  otp: ['otp'],
  passcode: ['otp'],
  code: ['otp'],
  '2fa': ['otp'],
  tan: ['otp'],
  password: ['password'],
  passwd: ['password'],
  pwd: ['password'],
  passphrase: ['password'],
  pw: ['password'],
  dob: ['dob'],
  birthday: ['dob'],
  bday: ['dob'],
  birthdate: ['dob'],
  born: ['dob'],
  phone: ['phone'],
  mobile: ['phone'],
  cell: ['phone'],
  tel: ['phone'],
  telephone: ['phone'],
  whatsapp: ['phone'],
  call: ['phone'],
  text: ['phone'],
  reach: ['phone'],
  zip: ['notOtp'],
  postal: ['notOtp'],
  postcode: ['notOtp'],
  discount: ['notOtp'],
  area: ['notOtp'],
  country: ['notOtp'],
  error: ['notOtp'],
  swift: ['notOtp'],
  bic: ['notOtp'],
  status: ['notOtp'],
  qr: ['notOtp'],
  referral: ['notOtp'],
  sort: ['notOtp'],
  merchant: ['notOtp'],
};

/** Phrases of two or three words, keyed by their words joined with one space. */
const PHRASES: Record<string, ContextKind[]> = {
  'master card': ['card'],
  'card number': ['card'],
  'card no': ['card'],
  'long number': ['card'],
  'bank account': ['account'],
  'sort code': ['sortCode', 'account', 'notOtp'],
  'social security': ['ssn'],
  'social security number': ['ssn'],
  'ss number': ['ssn'],
  'ss no': ['ssn'],
  'tax id': ['ssn'],
  'taxpayer id': ['ssn'],
  'security code': ['cvv'],
  'security number': ['cvv'],
  'card security code': ['cvv'],
  'card verification': ['cvv'],
  'three digit': ['cvv'],
  '3 digit': ['cvv'],
  'digits on the': ['cvv'],
  'on the back': ['cvv'],
  'one time': ['otp'],
  'verification code': ['otp'],
  'auth code': ['otp'],
  'sms code': ['otp'],
  'access code': ['otp'],
  'login code': ['otp'],
  'confirmation code': ['otp'],
  'pass word': ['password'],
  'pass code': ['otp'],
  'memorable word': ['password'],
  'memorable information': ['password'],
  'date of birth': ['dob'],
  'birth date': ['dob'],
  'd o b': ['dob'],
  'b day': ['dob'],
  'born on': ['dob'],
  'routing number': ['routing'],
  'wire transfer': ['routing'],
  'transit number': ['routing'],
};

export interface ContextHit {
  kind: ContextKind;
  start: number;
  end: number;
}

function isWordCode(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 48 && code <= 57);
}

export class ContextIndex {
  /** hits sorted by end */
  readonly hits: ContextHit[] = [];

  /** masked[i]: how many masked (placeholder) characters come before i */
  private readonly masked: Int32Array;
  /** values[i]: how many value characters (digits, `@`, placeholders) come before i */
  private readonly values: Int32Array;

  constructor(lower: string) {
    this.masked = new Int32Array(lower.length + 1);
    this.values = new Int32Array(lower.length + 1);
    for (let i = 0; i < lower.length; i++) {
      const c = lower.charCodeAt(i);
      this.masked[i + 1] = (this.masked[i] as number) + (c === 1 ? 1 : 0);
      this.values[i + 1] = (this.values[i] as number) + (c === 1 || c === 64 || (c >= 48 && c <= 57) ? 1 : 0);
    }
    let w1 = '';
    let w2 = '';
    let w1Start = 0;
    let w2Start = 0;
    for (let i = 0; i < lower.length; ) {
      if (!isWordCode(lower.charCodeAt(i))) {
        i++;
        continue;
      }
      let j = i;
      while (j < lower.length && isWordCode(lower.charCodeAt(j)) && j - i < 40) j++;
      while (j < lower.length && isWordCode(lower.charCodeAt(j))) j++;
      const word = j - i <= 24 ? lower.slice(i, j) : '';
      const single = SINGLE[word];
      if (single) for (const kind of single) this.hits.push({ kind, start: i, end: j });
      if (w1) {
        const two = PHRASES[`${w1} ${word}`];
        if (two) for (const kind of two) this.hits.push({ kind, start: w1Start, end: j });
        if (w2) {
          const three = PHRASES[`${w2} ${w1} ${word}`];
          if (three) for (const kind of three) this.hits.push({ kind, start: w2Start, end: j });
        }
      }
      w2 = w1;
      w2Start = w1Start;
      w1 = word;
      w1Start = i;
      i = j;
    }
    this.hits.sort((a, b) => a.end - b.end);
  }

  /** Whether a placeholder of an earlier redaction lies in [from, to): context does not reach across one. */
  private blocked(from: number, to: number, byValues = false): boolean {
    const counts = byValues ? this.values : this.masked;
    const a = Math.max(0, Math.min(from, counts.length - 1));
    const b = Math.max(0, Math.min(to, counts.length - 1));
    return b > a && (counts[b] as number) > (counts[a] as number);
  }

  /**
   * The nearest hit of one of `kinds` ending within `window` characters before `pos`. Context never
   * reaches across a placeholder; with `stopAtValues` (used for negative context: "call ..." is
   * about the next number only) it does not reach across another value either. So a second pass
   * over redacted text sees no negative context the first pass did not, and finds nothing new.
   */
  before(pos: number, window: number, kinds: readonly ContextKind[], stopAtValues = false): ContextHit | null {
    // binary search for the last hit ending at or before pos
    let lo = 0;
    let hi = this.hits.length - 1;
    let last = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((this.hits[mid] as ContextHit).end <= pos) {
        last = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    for (let k = last; k >= 0; k--) {
      const h = this.hits[k] as ContextHit;
      if (h.end < pos - window || this.blocked(h.end, pos, stopAtValues)) break;
      if (kinds.includes(h.kind)) return h;
    }
    return null;
  }

  /** A hit of one of `kinds` starting within `window` characters after `pos`. */
  after(pos: number, window: number, kinds: readonly ContextKind[]): ContextHit | null {
    let lo = 0;
    let hi = this.hits.length - 1;
    let first = this.hits.length;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((this.hits[mid] as ContextHit).end > pos) {
        first = mid;
        hi = mid - 1;
      } else lo = mid + 1;
    }
    for (let k = first; k < this.hits.length; k++) {
      const h = this.hits[k] as ContextHit;
      if (h.end > pos + window + 30 || this.blocked(pos, h.start)) break;
      if (h.start >= pos && h.start <= pos + window && kinds.includes(h.kind)) return h;
    }
    return null;
  }

  /** Hits of `kind`, in order. */
  all(kind: ContextKind): ContextHit[] {
    return this.hits.filter((h) => h.kind === kind);
  }
}
