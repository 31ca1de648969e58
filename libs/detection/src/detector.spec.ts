import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Detector, mayHoldValues } from './detector.js';
import { luhnValid } from './recognisers/digits.js';
import { redact } from './redact.js';
import type { EntityType } from './types.js';

const detector = new Detector();

function typesIn(text: string): EntityType[] {
  return detector.findEntities(text).map((e) => e.type);
}

/** The type and the text of each span found, in order. */
function spansIn(text: string): [EntityType, string][] {
  return detector.findEntities(text).map((e) => [e.type, text.slice(e.start, e.end)]);
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

  /** The one span found in `text`, as [type, value]. */
  function only(text: string): [EntityType, string] | EntityType[] {
    const spans = detector.findEntities(text);
    return spans.length === 1 ? [spans[0]?.type as EntityType, text.slice(spans[0]?.start, spans[0]?.end)] : spans.map((s) => s.type);
  }

  describe('IBANs whose national check digits fail', () => {
    it.each([
      // mod-97 valid, the Belgian/Spanish/French/Portuguese national check digits wrong
      ['my account BE41 5390 0754 7035 please', 'BE41 5390 0754 7035'],
      ['send it to ES21 2100 0418 4502 0005 1331', 'ES21 2100 0418 4502 0005 1331'],
      ['FR97 3000 6000 0112 3456 7890 199 est mon iban', 'FR97 3000 6000 0112 3456 7890 199'],
      ['pt23000201231234567890155 thanks', 'pt23000201231234567890155'],
    ])('"%s"', (text, value) => {
      expect(only(text)).toEqual(['IBAN', value]);
    });

    it('are still rejected when mod-97 fails, without "IBAN" before', () => {
      expect(typesIn('BE42 5390 0754 7035 bounced, iban invalid')).toEqual([]);
    });

    it('win over a card or account number inside them, whatever its score', () => {
      expect(only('card payment to DE89 4111 1111 1111 1111 11')).toEqual(['IBAN', 'DE89 4111 1111 1111 1111 11']);
      expect(only('paid by card to ES91 4111 1111 1111 1111 2345 last week')).toEqual(['IBAN', 'ES91 4111 1111 1111 1111 2345']);
      expect(detector.detect('account no BE41 5390 0754 7035').redactedText).toBe('account no [IBAN]');
    });

    it('keep the card inside when IBANs are not looked for', () => {
      const cards = new Detector({ types: ['CARD'] });
      expect(cards.findEntities('card payment to DE89 4111 1111 1111 1111 11').map((s) => s.type)).toEqual(['CARD']);
    });
  });

  describe('account numbers', () => {
    it.each([
      ['a/c 31926819 please', '31926819'],
      ['A/C no. 7712 0093 441', '7712 0093 441'],
      ['49921873 is my account number', '49921873'],
      ['3381 9920 14 = our savings account', '3381 9920 14'],
      ['7304918822 is my account', '7304918822'],
    ])('"%s"', (text, value) => {
      expect(only(text)).toEqual(['ACCOUNT', value]);
    });

    it('named after the number only through "is", ":" or "="', () => {
      expect(typesIn('call 7304918822 about my account')).toEqual(['PHONE']);
      expect(typesIn('49921873 is not my account')).toEqual([]);
    });

    it('not in an ISO date, whatever names it', () => {
      expect(typesIn('my account was debited on 2024-01-15')).toEqual([]);
    });

    it('named after the number in a clause of its own, after another value named before', () => {
      expect(detector.detect('021000021 is the routing, 99812234 is the account').entities.map((e) => e.type)).toEqual(['ROUTING', 'ACCOUNT']);
    });
  });

  it.each([
    ['my social is 219 09 9999', '219 09 9999'],
    ['social: 457555462', '457555462'],
    ['social # 536228817 thx', '536228817'],
  ])('SSN after "social" alone: "%s"', (text, value) => {
    expect(only(text)).toEqual(['SSN', value]);
  });

  it('no SSN for a number followed by "ssn" without a link: the word names the next number', () => {
    expect(detector.detect('routing 021000021 ssn 536-22-8817').entities.map((e) => e.type)).toEqual(['ROUTING', 'SSN']);
  });

  it.each(['my social media account got 536228817 views', 'social worker 536228817'])('no SSN after "social" that is not the label: "%s"', (text) => {
    expect(typesIn(text)).not.toContain('SSN');
  });

  describe('codes after their context words', () => {
    it.each([
      ['CVV', 'card verification value: 418', '418'],
      ['PIN', 'mon pin est 7731', '7731'],
      ['PIN', 'meine pin ist 4402', '4402'],
      ['PIN', 'the pin the bank posted to me was 6120', '6120'],
      ['PIN', 'my pin was blocked and the new one is 9914', '9914'],
      ['OTP', 'verification code sent to my mobile 771203', '771203'],
      ['OTP', 'the code that came by sms: 440918', '440918'],
    ])('%s in "%s"', (type, text, value) => {
      expect(only(text)).toEqual([type, value]);
    });

    it('a second value pointed back at ("the new one is")', () => {
      const text = 'my old pin was 3318 and the new one is 9052';
      expect(detector.detect(text).redactedText).toBe('my old pin was [PIN] and the new one is [PIN]');
    });

    it.each([
      'pincode 110001 new delhi',
      'my pin got blocked after 3 wrong attempts in 2019',
      'pin blocked since 2019',
      'pin blocked. my zip is 90210',
      'my pin for the atm limit is 5000',
      'my pin is blocked, the branch said it was 2019',
    ])('no code in "%s"', (text) => {
      expect(typesIn(text).filter((t) => t === 'PIN' || t === 'OTP' || t === 'CVV')).toEqual([]);
    });

    it('does not take a second value without a link and a word pointing back', () => {
      expect(typesIn('my pin is 1234 and it was 2019')).toEqual(['PIN']);
    });

    it('a second value offered as an alternative or pointed back at without a link', () => {
      expect(detector.detect('my pin used to be 5521, new one 8830').redactedText).toBe('my pin used to be [PIN], new one [PIN]');
      expect(detector.detect('is the otp 448812 or 448821?').redactedText).toBe('is the otp [OTP] or [OTP]?');
    });

    it('a value a few chat words after its name ("u", "by post")', () => {
      expect(only('the pin they mailed u by post was 3391')).toEqual(['PIN', '3391']);
    });

    it.each([
      ['PIN', 'i typed 5519 as my pin', '5519'],
      ['CVV', 'the cvv on my mastercard, which is 992', '992'],
      ['PIN', 'atm pin 7710', '7710'],
      ['PIN', 'my pin for the card ending 4455 is 1290', '1290'],
      ['PIN', 'pin (the new one) 6622', '6622'],
      ['PIN', 'pin for my credit card – 3318', '3318'],
      ['CVV', 'the 3 numbers behind the card 551', '551'],
      ['OTP', 'one time password: 771100', '771100'],
      ['OTP', 'mfa 883311', '883311'],
      ['OTP', 'the token shows 55667788', '55667788'],
    ])('%s in "%s"', (type, text, value) => {
      expect(only(text)).toEqual([type, value]);
    });

    it('context words typed with accents, and a one-time code of capitals and digits', () => {
      expect(only('código de verificación: 662810')).toEqual(['OTP', '662810']);
      expect(only('la contraseña es Perro_2020')).toEqual(['PASSWORD', 'Perro_2020']);
      expect(only('née le 3 mars 1981')).toEqual(['DOB', '3 mars 1981']);
      expect(only('fecha de nacimiento 12 de mayo de 1990')).toEqual(['DOB', '12 de mayo de 1990']);
      expect(only('geboren am 4. März 1975')).toEqual(['DOB', '4. März 1975']);
      expect(only('your otp is K4Z81Q')).toEqual(['OTP', 'K4Z81Q']);
      expect(typesIn('the otp is ABCDEF')).toEqual([]);
      expect(typesIn('use code WELCOME10 at checkout')).toEqual([]);
    });

    it('two codes offered with a bare "and" only when they have the same length', () => {
      expect(detector.detect('i got two codes 554433 and 443322').redactedText).toBe('i got two codes [OTP] and [OTP]');
      expect(typesIn('the code is 554433 and 12 more tries')).toEqual(['OTP']);
    });

    it('no PIN or one-time code in an Indian postal "pin code" after an address word', () => {
      expect(typesIn('shipping address pin code 400001 mumbai')).toEqual([]);
      expect(typesIn('courier to my address, pin code 682017')).toEqual([]);
      expect(only('pin code 682017')).toEqual(['PIN', '682017']);
    });
  });

  describe('passwords', () => {
    it('after "pass" as the subject of "is", ":" or "="', () => {
      expect(only('my pass is Tr0ub4dor&3')).toEqual(['PASSWORD', 'Tr0ub4dor&3']);
      expect(only('pass: Blue#Horse77')).toEqual(['PASSWORD', 'Blue#Horse77']);
    });

    it('after a verb of trying, and a second one offered with "and"/"or" when it mixes letters and digits', () => {
      expect(detector.detect('i typed password sunflower and Sunflower9 neither works').redactedText).toBe('i typed password [PASSWORD] and [PASSWORD] neither works');
      expect(detector.detect('my password was letmein and someone got in').redactedText).toBe('my password was [PASSWORD] and someone got in');
    });

    it('named right after it, several words before the link, quoted, or a second one pointed back at', () => {
      expect(only('Tr1cky!one is my password')).toEqual(['PASSWORD', 'Tr1cky!one']);
      expect(only('the password for the app that my son set up is Lego_2015')).toEqual(['PASSWORD', 'Lego_2015']);
      expect(only("my password has been 'Rocket88' forever")).toEqual(['PASSWORD', 'Rocket88']);
      expect(only("pass 'hZ7&qq20'")).toEqual(['PASSWORD', 'hZ7&qq20']);
      expect(detector.detect('new pw is Cat*Dog*1, old was Cat*Dog*0').redactedText).toBe('new pw is [PASSWORD], old was [PASSWORD]');
    });

    it.each(['dont share your password with anyone', 'the password policy is strict', 'what is the password policy? 8 chars?', 'password reset link is broken'])(
      'none in "%s"',
      (text) => {
        expect(typesIn(text)).toEqual([]);
      },
    );

    it('after "pass for <what> is" and the word for password in a few other languages', () => {
      expect(only('the pass for the app is Gato_19')).toEqual(['PASSWORD', 'Gato_19']);
      expect(only('passwort: Hund!2020')).toEqual(['PASSWORD', 'Hund!2020']);
      expect(only('mot de passe Lune2021*')).toEqual(['PASSWORD', 'Lune2021*']);
    });

    it.each([
      'did you pass the exam 2023',
      'my bus pass is expired',
      'boarding pass is ready',
      'pass: 12345678',
      'password must be 8-20 characters',
      'password is 10 to 64 chars long',
      'password needs 12 characters',
    ])('none in "%s"', (text) => {
      expect(typesIn(text)).toEqual([]);
    });
  });

  it.each([
    ['d.o.b. 04.11.1987', '04.11.1987'],
    ['date of birth is September 9, 1969', 'September 9, 1969'],
    ['my birthday is sept 21st, 1984', 'sept 21st, 1984'],
    ['dob: 3 march 1990', '3 march 1990'],
    ['date de naissance 02/03/1979', '02/03/1979'],
    ['geboren am 02.03.1971', '02.03.1971'],
    ['born 19850503', '19850503'],
    ['date of birth (mm/dd/yyyy) 03/02/1971', '03/02/1971'],
    ['the date of birth on my profile should be 1 may 1990', '1 may 1990'],
  ])('DOB in "%s"', (text, value) => {
    expect(only(text)).toEqual(['DOB', value]);
  });

  describe('phone numbers', () => {
    it.each([
      // +CC and a possible length: enough, even in ranges the metadata calls invalid (UK drama, new FR mobiles)
      ['text me on +44 7700 900123', '+44 7700 900123'],
      ['+447700900777 is mine', '+447700900777'],
      ['+44 (0)7700 900222 after 6pm', '+44 (0)7700 900222'],
      ['rappelez au +33 6 39 12 34 56', '+33 6 39 12 34 56'],
    ])('"%s"', (text, value) => {
      expect(only(text)).toEqual(['PHONE', value]);
    });

    it.each(['score +3 1234 5678 units', 'order 07700 900123', 'wrote 666-45-1234 by mistake', 'box said 123.45.6789'])('none in "%s"', (text) => {
      expect(typesIn(text)).not.toContain('PHONE');
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

  it('reads words that are names of object properties as ordinary words', () => {
    // "constructor" once looked up Object.prototype and made detection fail closed
    const r = detector.detect('the constructor wants my card 4111 1111 1111 1111');
    expect(r.redactedText).toBe('the constructor wants my card [CARD ****1111]');
    expect(r.entities.map((e) => e.reason)).toEqual(['luhn+visa+context']);
  });

  it('resolves many overlapping candidates the same way as a few', () => {
    const one = '4111 1111 1111 1111 ';
    const few = detector.findEntities(one.repeat(2));
    const many = detector.findEntities(one.repeat(40));
    expect(many.slice(0, few.length)).toEqual(few);
    expect(many).toHaveLength(40);
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

describe(`${Detector.name}: context rules from the third held-out corpus, and their limits`, () => {
  it.each([
    ['username john99 the password is Secret!9', [['PASSWORD', 'Secret!9']]],
    ['its ilovemycat123 my password, pls unlock', [['PASSWORD', 'ilovemycat123']]],
    ['536228817 (ssn)', [['SSN', '536228817']]],
    ['536228817 my ssn', [['SSN', '536228817']]],
    ['routing 110471626 ssn 091-52-1355', [['ROUTING', '110471626'], ['SSN', '091-52-1355']]],
    ['card delivered yesterday, pin is 482913', [['PIN', '482913']]],
    ['i changed my address. my pin is 482913', [['PIN', '482913']]],
    ['courier brought the card, pin code 482913', [['PIN', '482913']]],
    ['my 2fa password is Tiger!99', [['PASSWORD', 'Tiger!99']]],
    ['one time password is 902113', [['OTP', '902113']]],
    ['your otp is 12AB34', [['OTP', '12AB34']]],
    ['tried password bananabread and Bananabread1', [['PASSWORD', 'bananabread'], ['PASSWORD', 'Bananabread1']]],
    ["i typed the password 'sunflower'", [['PASSWORD', 'sunflower']]],
    ['5519 is my pin', [['PIN', '5519']]],
    ['1234 was my old pin, 5678 is the new one', [['PIN', '1234'], ['PIN', '5678']]],
    ['Tiger!99 = my password', [['PASSWORD', 'Tiger!99']]],
    ['tiger99 was my old password', [['PASSWORD', 'tiger99']]],
    ['memorable word lighthouse, and the rest is fine', [['PASSWORD', 'lighthouse']]],
    ['pass Ipanema_42 and the code is on its way', [['PASSWORD', 'Ipanema_42']]],
    ['the cvv on card 4111 1111 1111 1111 exp 12/26 is 123', [['CARD', '4111 1111 1111 1111'], ['CVV', '123']]],
    ['pin for the card 5500 0055 5555 5559 is 1234', [['CARD', '5500 0055 5555 5559'], ['PIN', '1234']]],
  ])('finds the value in "%s"', (text, expected) => {
    expect(spansIn(text)).toEqual(expected);
  });

  it.each([
    'at 10am my password was changed',
    'on iOS17 the password field is blank',
    'i entered my password incorrectly',
    'i tried my password multiple times',
    'i was charged 1500 for the pin reissue',
    'USD 1500 for the pin',
    'case 771234 for my verification',
    'paid 1,500 for the cvv replacement',
    'my password stopped working after i upgraded to ios17',
    'passwort ist falsch',
    'contraseña es incorrecta',
    'mot de passe bloqué',
    'pin (atm) 2000 withdrawal limit',
    'my pin (blocked). 5000 left in account',
    '5000 is my pin limit',
    'did you pass Exam2024 today',
    'day pass Mon2024x',
    'memorable word?',
    'verification email sent on 2024-05-01',
    'the signature at the back of the card 2019',
    'transaction codes 4455 and 6677',
    'account debited 2024-01-15 14:22:01',
    'account debited 15-01-2024',
    'the courier needs my address, pin code 560034',
  ])('finds nothing in "%s"', (text) => {
    expect(spansIn(text)).toEqual([]);
  });

  it('keeps a first code but not a second number that names something else after "and"', () => {
    expect(typesIn('my pin is 4821 and 1999 is my birth year')).toEqual(['PIN']);
    expect(typesIn('pin 4821 and 1000 pounds')).toEqual(['PIN']);
  });
});

describe(`${Detector.name}: context rules from the fourth held-out corpus, and their limits`, () => {
  it.each([
    ['4417 is my pin right?', [['PIN', '4417']]],
    ['552901 is the otp i got', [['OTP', '552901']]],
    ['wrong cvc, but I am typing 284', [['CVV', '284']]],
    ['sec code 902 on the back', [['CVV', '902']]],
    ['cvn 4471', [['CVV', '4471']]],
    ['the security code on the front 2248', [['CVV', '2248']]],
    ['social sec number 287-65-4321', [['SSN', '287-65-4321']]],
    ['date of birth (dob) 03/07/1990', [['DOB', '03/07/1990']]],
    ['dob 7/Mar/1990', [['DOB', '7/Mar/1990']]],
    ['born 12-Oct-1985', [['DOB', '12-Oct-1985']]],
    ['dob here: 3 May 1990', [['DOB', '3 May 1990']]],
    ['der Code war 553102', [['OTP', '553102']]],
    ['the password we agreed last month was Harbour#88', [['PASSWORD', 'Harbour#88']]],
    ['i typed password buttercups and it was rejected', [['PASSWORD', 'buttercups']]],
    ['my memorable word lighthouse is being rejected', [['PASSWORD', 'lighthouse']]],
    ['one sec code 4821 just came', [['OTP', '4821']]],
    ['amex 373383523367299 security code 7710', [['CARD', '373383523367299'], ['CVV', '7710']]],
  ])('finds the value in "%s"', (text, expected) => {
    expect(spansIn(text)).toEqual(expected);
  });

  it.each([
    '5000 is the pin limit right?',
    'i used 2 cards, the cvv is wrong',
    'pin reset, I entered it 3 times',
    'the security code on the front of the card, 2 tries left',
    'statement dated 12-Oct-2023',
    'the code i used for the discount was 4455',
    'my pin typing 2000 pounds',
    // a number after a verb of entering is often an amount or a year
    'the atm rejected my pin when i tried 2000 so i tried 500',
    'I changed my pin and used 2500 at the atm',
    'the cvv worked, I used 250 on amazon',
    'otp arrived, i entered 2500 as the amount',
    'the pin i used in 2019 was different',
    // other identifiers and parts of the login page after a password's name
    'I forgot my password yesterday, my username is jsmith1985',
    'my password expired, the reference is INC0012345',
    'the memorable word page is not loading',
    'entered password correctly and it was rejected',
  ])('finds nothing in "%s"', (text) => {
    expect(spansIn(text)).toEqual([]);
  });
});

describe(`${Detector.name}: context rules from the fifth held-out corpus, and their limits`, () => {
  it.each([
    ['5521 pin', [['PIN', '5521']]],
    ['thanks, 7730 code.', [['OTP', '7730']]],
    ['atm asked for my pin, I put 3092', [['PIN', '3092']]],
    ['the one time pin is 256380', [['OTP', '256380']]],
    ['transaction otp 93017264', [['OTP', '93017264']]],
    ['access code emailed to me 750214', [['OTP', '750214']]],
    ['pin for the debit card 7145', [['PIN', '7145']]],
    ['authorization code via sms 649201', [['OTP', '649201']]],
    ['código de verificación 40286', [['OTP', '40286']]],
    ['el código de seguridad es 196', [['CVV', '196']]],
    ['04/02/1958 is my date of birth', [['DOB', '04/02/1958']]],
    ['kontonummer 5302871194', [['ACCOUNT', '5302871194']]],
    ['número de cuenta 00491500051234', [['ACCOUNT', '00491500051234']]],
    ['passwrd Pumpkin!31', [['PASSWORD', 'Pumpkin!31']]],
    ["also 9012 is my pin and it's locked now", [['PIN', '9012']]],
    ['codes go to +44 7700 900123', [['PHONE', '+44 7700 900123']]],
    ['Bestätigungscode 635019 per SMS', [['OTP', '635019']]],
    ['nascido em 17/07/1984', [['DOB', '17/07/1984']]],
    ['tu código de seguridad es 482913', [['OTP', '482913']]],
    ['12/03/1980 is my birthday', [['DOB', '12/03/1980']]],
  ])('finds the value in "%s"', (text, expected) => {
    expect(spansIn(text)).toEqual(expected);
  });

  it.each([
    'it happened 2024-06-11 14:32 UTC',
    'order 5521 pin',
    'transaction code 4455',
    '1234 code please',
    'my bday party on 04/02/2024 is my birthday plan',
    'put 1000 on my credit card pin',
    'pin 4821 per month',
    // amounts, payments and addresses around the rules above
    'I never shared my otp, debit 4500 happened',
    'changed my pin, credit 2500 still not showing',
    'is the fee monthly? no, 2500 one time',
    'pin is blocked, i put 1250 towards the bill instead',
    // this year's birthday (a birth date named after it must be years back)
    `15/06/${new Date().getUTCFullYear()} is my birthday and I will be abroad, please don't block my card`,
    'please update my address: 12 MG road, Bangalore, 560034 pin',
    'the fee was 1,500 cvv?',
    '5000 is the pin and the atm limit',
  ])('finds nothing in "%s"', (text) => {
    expect(spansIn(text)).toEqual([]);
  });
});

describe(`${Detector.name}: names from the seventh held-out corpus, and their limits`, () => {
  it.each([
    ['my SS# is 331 33 3735', [['SSN', '331 33 3735']]],
    ['the rounting number 117146174 right?', [['ROUTING', '117146174']]],
    ['pinn 4918', [['PIN', '4918']]],
    ['pword Gators_1996', [['PASSWORD', 'Gators_1996']]],
    ['número de ruta 021711695', [['ROUTING', '021711695']]],
    ['mi clave del cajero es 7306', [['PIN', '7306']]],
    ['code de sécurité 420', [['CVV', '420']]],
    ['the back code 024', [['CVV', '024']]],
    ['they want dob, mine is Sept 3 1980', [['DOB', 'Sept 3 1980']]],
    ['they want dob, mine is 03091980', [['DOB', '03091980']]],
    ['it asked my date of birth and i put 6/1/87', [['DOB', '6/1/87']]],
    ['ma date de naissance est le 5 mai 1982', [['DOB', '5 mai 1982']]],
    ["my daughter's ssn for the custodial account 851-55-6770", [['SSN', '851-55-6770']]],
    // the account with its own number after a new clause is an account
    ['I already verified my ssn, my account 851-55-6770 is frozen', [['ACCOUNT', '851-55-6770']]],
  ])('finds the value in "%s"', (text, expected) => {
    expect(spansIn(text)).toEqual(expected);
  });

  it.each(['cash back code 250 not applied', 'the code on back of cheque is 482', 'me di cuenta que me cobraron 1250000 pesos'])('finds nothing in "%s"', (text) => {
    expect(detector.findEntities(text)).toEqual([]);
  });

  it.each([
    'dob, 2 accounts opened on 12/03/2024',
    'my dob and i paid on 12/03/2024',
    'my account 851-55-6770 is frozen',
    `please correct my dob, on 12/03/${new Date().getUTCFullYear()} my kyc was rejected`,
    `please correct my dob, on 1203${new Date().getUTCFullYear()} my kyc was rejected`,
  ])('finds no SSN or date of birth in "%s"', (text) => {
    expect(detector.findEntities(text).filter((e) => e.type === 'SSN' || e.type === 'DOB')).toEqual([]);
  });
});

describe(`${Detector.name}: a six-digit code in the sentence of a one-time code's name, when nothing links them`, () => {
  it.each([
    ['334719 thats the otp', '334719'],
    ['i typed in 914255 but it says invalid verification code', '914255'],
    ['Just got 883017 via sms, is that the code?', '883017'],
    ['the app shows 749301 as the approval code for the transfer', '749301'],
    ['i got 613508 in my email, is that the otp?', '613508'],
  ])('finds it in "%s"', (text, value) => {
    expect(spansIn(text)).toEqual([['OTP', value]]);
  });

  it.each([
    '150000 debited without otp',
    'otp not received for my 150000 transfer',
    'my balance is 125000 but otp fails',
    'otp not received, customer number 123456',
    'UTR 123456 otp issue',
    "I'm in 560034, otp not coming",
    'Bangalore 560034 otp not received',
    'my pincode is 560034, otp not received',
    'otp not received on 20240611',
    'Rs.150000 debited, never got otp',
    'otp did not come to 987654 extension',
    'otp problem. 654321 is my customer id',
    // with no verb of receiving or entering before it, nor the code's name after it
    'someone took 125750 from my account, I never shared the otp',
    'I stay in Pune 411014 and otp is not received',
    'my cheque 482913 is under verification',
    'my complaint is registered as 654321, still no otp',
    'the otp came at 103045 but expired',
    'I got error 500123 on the otp page',
    'otp not coming, my address is Pune 411014',
  ])('finds none in "%s"', (text) => {
    expect(detector.findEntities(text)).toEqual([]);
  });
});

describe(`${Detector.name}: a password-shaped token in the sentence of a password's name`, () => {
  it.each([
    ['Is Hunter2024 a strong enough password?', 'Hunter2024'],
    ["hello_world99 that's my login password", 'hello_world99'],
    ['a senha é Brasil@2022', 'Brasil@2022'],
    ['la password del mio home banking è Ciao!Roma81', 'Ciao!Roma81'],
    ['my wife set the password, she says its Emma&Noah2012', 'Emma&Noah2012'],
    ['I keep getting "incorrect password" with Snowball_3', 'Snowball_3'],
  ])('finds it in "%s"', (text, value) => {
    expect(spansIn(text)).toEqual([['PASSWORD', value]]);
  });

  it.each([
    'I reset my password on my iPhone15 yesterday',
    'password reset email for order AB12cd34 never came',
    'my password doesnt work since the update to version 2.3.1b',
    'forgot password, my username is jsmith1985',
    'the password reset code expired at 10:45pm',
    'password reset link https://bank.com/reset?x=ab12 is broken',
    'password help for acc no ab123456',
    'password changed on 12-jan-2024 without me',
    '@jsmith_99 password help',
    'password policy says 8-20 chars and 1 symbol',
    'the password manager app 1password7 keeps crashing',
    'my e-mail and one-time password are not arriving',
    'my password stopped working. Order ab12345x arrived though',
    // counts, units, devices, identifiers and addresses shaped like passwords
    'my password failed 3times today',
    'password must be 8-characters long',
    'password reset takes 24hours?',
    'tried password reset 5times on my iphone15pro',
    'password not working on galaxy_s21',
    'my userid is jsmith99 and I forgot my password',
    'my password reset failed, customer no. abc12345',
    'password help my user "jsmith_99"',
    'username:john_doe forgot password',
    'password reset please\nregards, rahul_k88',
    'covid19 made me forget my password',
    'password works 10am-12pm only',
    'I clicked https://secure.mybank.co.uk/login/forgotten-details?step=2&lang=en_gb and the password page froze',
  ])('finds none in "%s"', (text) => {
    expect(detector.findEntities(text).filter((e) => e.type === 'PASSWORD')).toEqual([]);
  });

  it('takes a password whole when it runs past the window around the name', () => {
    const text = 'my password stopped working yesterday and I have no clue why I got Hunter_2024abcdef';
    expect(detector.findEntities(text).map((e) => text.slice(e.start, e.end))).toEqual(['Hunter_2024abcdef']);
  });

  it('leaves the login name before "is" alone', () => {
    const text = 'login is mike_r and the password Autumn!2023';
    expect(detector.findEntities(text).map((e) => text.slice(e.start, e.end))).toEqual(['Autumn!2023']);
  });
});

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

  it('finds nothing in a text the quick test rules out (detect skips such a text, and a second look at one)', () => {
    const quiet = fc.constantFrom('my password', 'Pass', 'pw', 'PWD: x', 'my_password x', 'kennwort', 'contraseña', 'senha', 'memorable word', 'mot de passe', 'one two three', 'ONE', 'four-one', '\u0001', '\u0007', 'x@y', 'ｐａｓｓ', 'pin 9999', 'cvv 999');
    const text = fc
      .array(fc.oneof(word, quiet, sensitiveBits, fc.string({ maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 3 })), { maxLength: 8 })
      .map((parts) => parts.join(' '));
    let ruledOut = 0;
    fc.assert(
      fc.property(text, (t) => {
        for (const candidate of [t, detector.detect(t).redactedText]) {
          if (mayHoldValues(candidate)) continue;
          ruledOut++;
          expect(detector.findEntities(candidate)).toEqual([]);
        }
      }),
      { numRuns: 1500 },
    );
    // the test is only worth something if it rules texts out
    expect(ruledOut).toBeGreaterThan(100);
    expect(mayHoldValues('my card [CARD ****1111] was stolen')).toBe(false);
    expect(mayHoldValues('my card [CARD ****1111] expires 12/29')).toBe(true);
    expect(mayHoldValues('the password [PASSWORD] is old')).toBe(true);
  });
});
