import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Detector } from './detector.js';
import { luhnValid } from './recognisers/digits.js';
import { redact } from './redact.js';
import type { EntityType } from './types.js';

const detector = new Detector();

function typesIn(text: string): EntityType[] {
  return detector.findEntities(text).map((e) => e.type);
}

describe(Detector.name, () => {
  describe('recognises', () => {
    it.each([
      ['CARD', 'my card is 4111 1111 1111 1111 thanks', '4111 1111 1111 1111'],
      ['CARD', 'amex 3782-822463-10005', '3782-822463-10005'],
      ['CARD', 'card: ４１１１１１１１１１１１１１１１', '４１１１１１１１１１１１１１１１'],
      ['CARD', 'card 4111\u200b1111\u200b1111\u200b1111', '4111\u200b1111\u200b1111\u200b1111'],
      ['CARD', 'card number four one one one one one one one one one one one one one one one ok', 'four one one one one one one one one one one one one one one one'],
      ['IBAN', 'iban GB29 NWBK 6016 1331 9268 19.', 'GB29 NWBK 6016 1331 9268 19'],
      ['IBAN', 'send to de89370400440532013000', 'de89370400440532013000'],
      ['ROUTING', 'routing number 021000021', '021000021'],
      ['ACCOUNT', 'my account number is 31926819', '31926819'],
      ['SSN', 'ssn 536-22-8817', '536-22-8817'],
      ['SSN', 'my social security number 457555462', '457555462'],
      ['CVV', 'the cvv is 737', '737'],
      ['PIN', 'my pin is 4821', '4821'],
      ['OTP', 'the code they sent is 482 913', '482 913'],
      ['PASSWORD', 'my password is Sunshine2024!', 'Sunshine2024!'],
      ['DOB', 'date of birth: 03-14-1990', '03-14-1990'],
      ['DOB', 'born on 21 March 1978', '21 March 1978'],
      ['EMAIL', 'mail me at maria_g+bank@outlook.com.', 'maria_g+bank@outlook.com'],
      ['PHONE', 'call me on (415) 555-2671', '(415) 555-2671'],
      ['PHONE', 'uk mobile +44 7911 123456', '+44 7911 123456'],
    ])('%s in "%s"', (type, text, value) => {
      const spans = detector.findEntities(text);
      expect(spans).toHaveLength(1);
      const span = spans[0];
      expect(span?.type).toBe(type);
      expect(text.slice(span?.start, span?.end)).toBe(value);
      expect(span?.score).toBeGreaterThan(0.5);
      expect(span?.reason).not.toContain(value);
    });
  });

  describe('leaves hard negatives alone', () => {
    it.each([
      'my order number is 4111111111111111',
      'tracking 1Z999AA10123456784',
      'my imei is 356482043990431',
      'IMEI: 490154203237518',
      'i paid $1,234.56 on 03/12/2024 at 10:30',
      'the payment on 2024-03-15 at 14:45 failed',
      'card ending in 4242 was declined',
      'zip code 10001',
      'ssn 666-12-3456',
      'ssn 000-12-3456',
      'ssn 123-00-4567',
      'ssn 123-45-0000',
      'ssn 111-11-1111',
      'ssn 123-45 6789',
      'ssn 912-34-5678',
      'routing number 021000022',
      'i forgot my password again',
      'my pin got blocked',
      'Luhn-valid but no issuer 1846631557409776',
    ])('%s', (text) => {
      expect(typesIn(text)).toEqual([]);
    });

    it('takes a 9xx SSN in an ITIN group', () => {
      expect(typesIn('itin 912-70-1234')).toEqual(['SSN']);
    });

    it('treats a card-length phone number as a phone, not a card', () => {
      expect(typesIn('my card? no, call me on +44 7911 123456')).toEqual(['PHONE']);
    });
  });

  it('resolves overlaps to the stronger span', () => {
    // nine digits that are a valid routing number and look like an account number
    const spans = detector.findEntities('account routing 021000021');
    expect(spans.map((s) => s.type)).toEqual(['ROUTING']);
  });

  it('redacts with typed placeholders, keeping a card last four', () => {
    const r = detector.detect('card 4111 1111 1111 1111 cvv 123, mail a@b.co');
    expect(r.redactedText).toBe('card [CARD ****1111] cvv [CVV], mail [EMAIL]');
    expect(r.sensitive).toBe(true);
    expect(r.intent).toBeNull();
    expect(r.entities.find((e) => e.type === 'CARD')?.last4).toBe('1111');
  });

  it('maps spans to the original string when normalisation changed lengths', () => {
    const text = 'ｃａｒｄ ４１１１ １１１１ １１１１ １１１１ and my pin is four four two one';
    const r = detector.detect(text);
    expect(r.redactedText).toBe('ｃａｒｄ [CARD ****1111] and my pin is [PIN]');
  });

  it('says a message without entities and without a model is not sensitive', () => {
    expect(detector.detect('hello there')).toEqual({ redactedText: 'hello there', entities: [], intent: null, sensitive: false });
  });

  it('never throws on hostile input and stays fast on 100 KB', () => {
    const inputs = ['\ud800\udc00\ud800', '\u0000\u0001\u001f', '4'.repeat(100_000), '4111 '.repeat(20_000), '1 - - 2 . . '.repeat(8_000), 'a@'.repeat(50_000), 'one '.repeat(25_000)];
    for (const text of inputs) {
      const t0 = performance.now();
      const r = detector.detect(text);
      expect(typeof r.redactedText).toBe('string');
      // generous: a quadratic path would take minutes on 100 KB
      expect(performance.now() - t0).toBeLessThan(4000);
    }
    expect(detector.detect(undefined as unknown as string).redactedText).toBe('');
  });

  it('redact() ignores overlapping and out-of-range spans', () => {
    expect(
      redact('abcdef', [
        { type: 'PIN', start: 1, end: 3, score: 1, reason: 't' },
        { type: 'CVV', start: 2, end: 4, score: 1, reason: 't' },
        { type: 'OTP', start: 5, end: 99, score: 1, reason: 't' },
      ]),
    ).toBe('a[PIN][CVV]e[OTP]');
  });
});

// ---------------------------------------------------------------------------------------------
// property tests

const ISSUER_PREFIXES: [string, number][] = [
  ['4', 16],
  ['4', 13],
  ['51', 16],
  ['2221', 16],
  ['37', 15],
  ['6011', 16],
  ['3530', 16],
  ['62', 19],
];

/** A Luhn-valid card number with a known issuer prefix. */
const cardNumber = fc
  .tuple(fc.constantFrom(...ISSUER_PREFIXES), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 18, maxLength: 18 }))
  .map(([[prefix, length], body]) => {
    const partial = (prefix + body.join('')).slice(0, length - 1);
    for (let c = 0; c <= 9; c++) if (luhnValid(partial + c)) return partial + c;
    throw new Error('unreachable');
  });

/** The card written with any grouping and separators. */
const formattedCard = fc
  .tuple(cardNumber, fc.constantFrom(' ', '-', '.', '', ' - ', '\u200b', '  '), fc.constantFrom(4, 3, 1, 19))
  .map(([digits, sep, size]) => (digits.match(new RegExp(`.{1,${size}}`, 'g')) ?? []).join(sep));

const word = fc.constantFrom('hi', 'my', 'card', 'is', 'please', 'thanks', 'ok', 'the', 'number', 'visa', 'help', ':', ',', '!', '?', 'blocked', 'why', 'declined', '😀', 'ñ');
const words = fc.array(word, { maxLength: 8 }).map((w) => w.join(' '));

/** Luhn-valid 13-19 digit runs in `text`, ignoring separators between digits. */
function luhnRuns(text: string): Set<string> {
  const runs = new Set<string>();
  const digits = text.replace(/[^\d]/g, (c) => (' -.\u200b'.includes(c) ? '' : '|')).split('|');
  for (const d of digits) {
    for (let len = 13; len <= 19; len++) for (let i = 0; i + len <= d.length; i++) if (luhnValid(d.slice(i, i + len))) runs.add(d.slice(i, i + len));
  }
  return runs;
}

describe(`${Detector.name} properties`, () => {
  it('never leaves a card number of the input in the redacted text', () => {
    fc.assert(
      fc.property(words, fc.array(formattedCard, { minLength: 1, maxLength: 3 }), words, (before, cards, after) => {
        const text = `${before} ${cards.join(' and ')} ${after}`;
        const out = detector.detect(text).redactedText;
        const left = luhnRuns(out);
        for (const card of cards) {
          const digits = card.replace(/\D/g, '');
          expect(left.has(digits)).toBe(false);
          expect(out.replace(/\D/g, '')).not.toContain(digits);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('never throws, on any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        const r = detector.detect(text);
        expect(typeof r.redactedText).toBe('string');
        for (const e of r.entities) {
          expect(e.start).toBeGreaterThanOrEqual(0);
          expect(e.end).toBeLessThanOrEqual(text.length);
          expect(e.start).toBeLessThan(e.end);
        }
      }),
      { numRuns: 500 },
    );
  });

  const sensitiveBits = fc.constantFrom(
    'pin 4821',
    'cvv 123',
    'ssn 536-22-8817',
    'iban GB29 NWBK 6016 1331 9268 19',
    'a.b@c.com',
    'call (415) 555-2671',
    'password is hunter22',
    'dob 12/03/1985',
    'routing 021000021',
    'account 31926819',
    'code 482913',
    'order 4111111111111111',
    '[CARD ****1111]',
    '[PIN]',
  );
  const message = fc
    .array(fc.oneof(word, sensitiveBits, formattedCard, fc.string({ maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 4 })), { maxLength: 10 })
    .map((parts) => parts.join(' '));

  it('is idempotent: redacting redacted text changes nothing', () => {
    fc.assert(
      fc.property(message, (text) => {
        const once = detector.detect(text).redactedText;
        expect(detector.detect(once).redactedText).toBe(once);
      }),
      { numRuns: 600 },
    );
  });
});
