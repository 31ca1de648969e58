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
  /** "social" alone: names an SSN only for the SSN recogniser (not negative context for others) */
  | 'social'
  | 'cvv'
  | 'pin'
  | 'otp'
  | 'notOtp'
  | 'password'
  /** "pass" alone: a password only when "is", ":" or "=" follows (never the verb) */
  | 'pass'
  | 'dob'
  | 'phone'
  | 'imei'
  /** a delivery address: "pin code 560034" near one is an Indian postal code */
  | 'address';

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
  transaction: ['notCard', 'notOtp'],
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
  acount: ['account'],
  accont: ['account'],
  accnt: ['account'],
  checking: ['account'],
  chequing: ['account'],
  savings: ['account'],
  ssn: ['ssn'],
  ssns: ['ssn'],
  itin: ['ssn'],
  social: ['social'],
  cvv: ['cvv'],
  cvv2: ['cvv'],
  cvc: ['cvv'],
  cvc2: ['cvv'],
  cvn: ['cvv'],
  csc: ['cvv'],
  cid: ['cvv'],
  ccv: ['cvv'],
  pin: ['pin'],
  // "pincode" is an Indian postal code ("pincode 560001 bangalore")
  pincode: ['notOtp'],
  otp: ['otp'],
  codes: ['otp'],
  token: ['otp'],
  mfa: ['otp'],
  verification: ['otp'],
  passcode: ['otp'],
  code: ['otp'],
  '2fa': ['otp'],
  tan: ['otp'],
  password: ['password'],
  passwd: ['password'],
  pwd: ['password'],
  passphrase: ['password'],
  // typed in a hurry
  rounting: ['routing'],
  pinn: ['pin'],
  pword: ['password'],
  pasword: ['password'],
  passwrd: ['password'],
  passowrd: ['password'],
  pw: ['password'],
  pass: ['pass'],
  // other languages' words customers mix in ("mot de passe", "contraseña" typed without the tilde)
  passwort: ['password'],
  kennwort: ['password'],
  contrasena: ['password'],
  senha: ['password'],
  geburtsdatum: ['dob'],
  geboren: ['dob'],
  nee: ['dob'],
  codigo: ['otp'],
  geheimzahl: ['pin'],
  kontonummer: ['account'],
  bestatigungscode: ['otp'],
  nascido: ['dob'],
  nascida: ['dob'],
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
  address: ['address'],
  delivery: ['address'],
  shipping: ['address'],
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
  'sec code': ['cvv'],
  'security number': ['cvv'],
  'card security code': ['cvv'],
  'card verification': ['cvv'],
  'verification value': ['cvv'],
  'three digit': ['cvv'],
  '3 digit': ['cvv'],
  'digits on the': ['cvv'],
  'on the back': ['cvv'],
  'one time': ['otp'],
  'one time password': ['otp'],
  'one time pin': ['otp'],
  'authorization code': ['otp'],
  'authorisation code': ['otp'],
  'codigo de verificacion': ['otp'],
  // a card's code or one sent by SMS: the number of digits tells
  'codigo de seguridad': ['cvv', 'otp'],
  'numero de cuenta': ['account'],
  'numero de ruta': ['routing'],
  'clave del cajero': ['pin'],
  'code de securite': ['cvv'],
  'code on back': ['cvv'],
  'back code': ['cvv'],
  'numero de compte': ['account'],
  'numero de conta': ['account'],
  'personal identification number': ['pin'],
  'atm code': ['pin'],
  'atm pin': ['pin'],
  'behind the card': ['cvv'],
  'back of card': ['cvv'],
  'soc sec': ['ssn'],
  'social sec': ['ssn'],
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
  'mot de passe': ['password'],
  'date de naissance': ['dob'],
  'fecha de nacimiento': ['dob'],
  'data di nascita': ['dob'],
  'data de nascimento': ['dob'],
  'birth date': ['dob'],
  'd o b': ['dob'],
  'b day': ['dob'],
  'born on': ['dob'],
  'routing number': ['routing'],
  'wire transfer': ['routing'],
  'transit number': ['routing'],
};

/** Two letters joined by a slash, read as one word ("a/c", "A/C no."). */
const SLASHED = new Map<string, readonly ContextKind[]>([['a/c', ['account']]]);

/**
 * For each context word or phrase of one of `kinds`, a word a text holding it must contain (a
 * phrase's longest word); what a quick test for "could this text hold such a hit" looks for.
 */
export function contextWordsOf(kinds: readonly ContextKind[]): string[] {
  const words = new Set<string>();
  for (const [word, k] of Object.entries(SINGLE)) if (k.some((x) => kinds.includes(x))) words.add(word);
  for (const [phrase, k] of Object.entries(PHRASES)) {
    if (!k.some((x) => kinds.includes(x))) continue;
    words.add(phrase.split(' ').reduce((a, b) => (b.length > a.length ? b : a)));
  }
  return [...words];
}

export interface ContextHit {
  kind: ContextKind;
  start: number;
  end: number;
}

function isWordCode(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 48 && code <= 57);
}

/** Longest word looked up (longer ones match nothing). */
const MAX_WORD = 24;

/**
 * Every word of SINGLE and PHRASES has an id; the scan finds a word's id from a hash of its
 * character codes (no substring is built), and phrases are looked up by their words' ids.
 */
const VOCABULARY: string[] = [];
const VOCABULARY_IDS = new Map<string, number>();
function vocabularyId(word: string): number {
  let id = VOCABULARY_IDS.get(word);
  if (id === undefined) {
    id = VOCABULARY.length;
    VOCABULARY.push(word);
    VOCABULARY_IDS.set(word, id);
  }
  return id;
}
for (const word of Object.keys(SINGLE)) vocabularyId(word);
const PHRASE_WORDS = Object.keys(PHRASES).map((p) => p.split(' ').map(vocabularyId));
const WORD_KINDS: (readonly ContextKind[] | undefined)[] = VOCABULARY.map((w) => (Object.hasOwn(SINGLE, w) ? SINGLE[w] : undefined));
/** phrase kinds by `pairKey(a, b)` and `tripleKey(a, b, c)` of their word ids */
const PAIRS = new Map<number, readonly ContextKind[]>();
const TRIPLES = new Map<number, readonly ContextKind[]>();
const pairKey = (a: number, b: number): number => a * VOCABULARY.length + b;
const tripleKey = (a: number, b: number, c: number): number => (a * VOCABULARY.length + b) * VOCABULARY.length + c;
Object.values(PHRASES).forEach((kinds, n) => {
  const ids = PHRASE_WORDS[n] as number[];
  if (ids.length === 2) PAIRS.set(pairKey(ids[0] as number, ids[1] as number), kinds);
  else if (ids.length === 3) TRIPLES.set(tripleKey(ids[0] as number, ids[1] as number, ids[2] as number), kinds);
  else throw new Error(`context phrases have two or three words: ${Object.keys(PHRASES)[n]}`);
});

function mixCode(h: number, code: number): number {
  return Math.imul(h ^ code, 0x01000193);
}
const HASH_START = 0x811c9dc5 | 0;
/** open addressing: slot -> id + 1 (0 empty) */
const WORD_SLOTS = (() => {
  let size = 64;
  while (size < VOCABULARY.length * 4) size *= 2;
  return new Int32Array(size);
})();
const WORD_MASK = WORD_SLOTS.length - 1;
VOCABULARY.forEach((word, id) => {
  let h = HASH_START;
  for (let i = 0; i < word.length; i++) h = mixCode(h, word.charCodeAt(i));
  let slot = h & WORD_MASK;
  while (WORD_SLOTS[slot] !== 0) slot = (slot + 1) & WORD_MASK;
  WORD_SLOTS[slot] = id + 1;
});

/** The id of `text[start, end)` (hash `h` of its codes), or -1 when it is not a context word. */
function wordId(text: string, start: number, end: number, h: number): number {
  const length = end - start;
  for (let slot = h & WORD_MASK; ; slot = (slot + 1) & WORD_MASK) {
    const entry = WORD_SLOTS[slot] as number;
    if (entry === 0) return -1;
    const word = VOCABULARY[entry - 1] as string;
    if (word.length === length && text.startsWith(word, start)) return entry - 1;
  }
}

export class ContextIndex {
  /** hits sorted by end */
  readonly hits: ContextHit[] = [];

  private readonly lower: string;
  /** whether the text holds a placeholder mask (U+0001), and any value character (digit, `@`, mask) */
  private readonly hasMasks: boolean;
  private readonly hasValues: boolean;

  /** `units`: the code units of `lower` (see CodeUnits) */
  constructor(lower: string, units: Uint16Array) {
    this.lower = lower;
    let hasMasks = false;
    let hasValues = false;
    // ids of the previous two words (-1: none, or not a context word)
    let id1 = -1;
    let id2 = -1;
    let id1Start = 0;
    let id2Start = 0;
    const n = lower.length;
    for (let i = 0; i < n; ) {
      const code = units[i] as number;
      if (!isWordCode(code)) {
        if (code === 1) hasMasks = true;
        if (code === 1 || code === 64) hasValues = true;
        i++;
        continue;
      }
      let j = i;
      let h = HASH_START;
      for (; j < n; j++) {
        const c = units[j] as number;
        if (!isWordCode(c)) break;
        if (c <= 57) hasValues = true;
        if (j - i < MAX_WORD) h = mixCode(h, c);
      }
      const id = j - i <= MAX_WORD ? wordId(lower, i, j, h) : -1;
      if (id >= 0) {
        const single = WORD_KINDS[id];
        if (single) for (const kind of single) this.hits.push({ kind, start: i, end: j });
        if (id1 >= 0) {
          const two = PAIRS.get(pairKey(id1, id));
          if (two) for (const kind of two) this.hits.push({ kind, start: id1Start, end: j });
          if (id2 >= 0) {
            const three = TRIPLES.get(tripleKey(id2, id1, id));
            if (three) for (const kind of three) this.hits.push({ kind, start: id2Start, end: j });
          }
        }
      }
      // "SS#": an SSN's name with the number sign glued on
      if (j - i === 2 && units[j] === 35 && units[i] === 115 && units[i + 1] === 115) this.hits.push({ kind: 'ssn', start: i, end: j + 1 });
      // "a/c": a one-letter word, a slash and one more letter
      if (j - i === 1 && j + 1 < n && units[j] === 47 && isWordCode(units[j + 1] as number) && (j + 2 >= n || !isWordCode(units[j + 2] as number))) {
        const slashed = SLASHED.get(lower.slice(i, j + 2));
        if (slashed) for (const kind of slashed) this.hits.push({ kind, start: i, end: j + 2 });
      }
      id2 = id1;
      id2Start = id1Start;
      id1 = id;
      id1Start = i;
      i = j;
    }
    // hits are pushed in order of their end
    this.hasMasks = hasMasks;
    this.hasValues = hasValues;
  }

  /** Whether context may not reach across the character at `i`: a placeholder mask, or with `values` any value (digit, `@`). */
  private blocks(i: number, values: boolean): boolean {
    const c = this.lower.charCodeAt(i);
    return c === 1 || (values && (c === 64 || (c >= 48 && c <= 57)));
  }

  /** The last position in [pos - window, pos) holding a character context does not reach across, or -1. */
  private barrierBefore(pos: number, window: number, values: boolean): number {
    if (!(values ? this.hasValues : this.hasMasks)) return -1;
    const floor = Math.max(0, pos - window);
    for (let i = Math.min(pos, this.lower.length) - 1; i >= floor; i--) if (this.blocks(i, values)) return i;
    return -1;
  }

  /** The first position in [pos, pos + span) holding a placeholder mask, or Infinity. */
  private barrierAfter(pos: number, span: number): number {
    if (!this.hasMasks) return Infinity;
    const stop = Math.min(this.lower.length, pos + span);
    for (let i = Math.max(0, pos); i < stop; i++) if (this.blocks(i, false)) return i;
    return Infinity;
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
    if (last < 0) return null;
    // context never reaches across a placeholder (or, stopping at values, another value)
    const barrier = this.barrierBefore(pos, window, stopAtValues);
    for (let k = last; k >= 0; k--) {
      const h = this.hits[k] as ContextHit;
      if (h.end < pos - window || h.end <= barrier) break;
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
    if (first >= this.hits.length) return null;
    const barrier = this.barrierAfter(pos, window + 30);
    for (let k = first; k < this.hits.length; k++) {
      const h = this.hits[k] as ContextHit;
      if (h.end > pos + window + 30 || barrier < h.start) break;
      if (h.start >= pos && h.start <= pos + window && kinds.includes(h.kind)) return h;
    }
    return null;
  }

  /** Whether the text has a hit of `kind` anywhere (a recogniser that needs one skips the text). */
  has(kind: ContextKind): boolean {
    for (const h of this.hits) if (h.kind === kind) return true;
    return false;
  }

  /** Hits of `kind`, in order. */
  all(kind: ContextKind): ContextHit[] {
    return this.hits.filter((h) => h.kind === kind);
  }
}
