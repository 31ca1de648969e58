import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import metadataJson from 'libphonenumber-js/max/metadata';
import examplesJson from 'libphonenumber-js/examples.mobile.json';
import { seededRandom } from '../intent/train.js';
import { DEFAULT_PHONE_REGIONS } from './contact.recogniser.js';
import { fastInternational, fastNationalValidity, isValidNationalPhone, parseInternationalPhone } from './phone-validity.js';

type RawPlan = readonly unknown[];
const metadata = metadataJson as unknown as { countries: Record<string, RawPlan>; country_calling_codes: Record<string, string[]>; nonGeographic: Record<string, RawPlan> };
const examples = examplesJson as unknown as Record<string, string>;

/** Every other region of the metadata, fewer numbers each: NANP members, codes shared by several
 * countries, national-prefix transform rules (AR MX BR JP SM MG GA NF ...), leading digits (VA, KZ,
 * NO/SJ, FI/AX) and all the rest. */
const OTHER_REGIONS = Object.keys(metadata.countries).filter((c) => !(DEFAULT_PHONE_REGIONS as readonly string[]).includes(c)) as CountryCode[];
/** numbers per default region, and per other region */
const PER_REGION = 3000;
const PER_OTHER_REGION = 400;

/**
 * A random string matched by one of the metadata's patterns. They use only digits, `\d`,
 * classes, `(?:...)` / `(...)`, `|` and the quantifiers `?`, `{n}`, `{n,m}`.
 */
function sample(pattern: string, rnd: () => number): string {
  const int = (n: number) => Math.floor(rnd() * n);
  function generate(source: string): string {
    const branches: string[] = [];
    let depth = 0;
    let from = 0;
    for (let k = 0; k < source.length; k++) {
      const c = source[k];
      if (c === '\\') k++;
      else if (c === '[') k = source.indexOf(']', k);
      else if (c === '(') depth++;
      else if (c === ')') depth--;
      else if (c === '|' && depth === 0) {
        branches.push(source.slice(from, k));
        from = k + 1;
      }
    }
    branches.push(source.slice(from));
    const chosen = branches[int(branches.length)] as string;
    let out = '';
    let j = 0;
    while (j < chosen.length) {
      let atom: () => string;
      const c = chosen[j] as string;
      if (c === '\\') {
        atom = () => String(int(10)); // \d
        j += 2;
      } else if (c === '[') {
        const end = chosen.indexOf(']', j);
        const body = chosen.slice(j + 1, end).replace(/\\d/g, '0-9');
        const digits: string[] = [];
        for (let k = 0; k < body.length; k++) {
          if (body[k + 1] === '-') {
            for (let d = Number(body[k]); d <= Number(body[k + 2]); d++) digits.push(String(d));
            k += 2;
          } else digits.push(body[k] as string);
        }
        atom = () => digits[int(digits.length)] as string;
        j = end + 1;
      } else if (c === '(') {
        let depth = 0;
        let k = j;
        for (; k < chosen.length; k++) {
          if (chosen[k] === '\\') k++;
          else if (chosen[k] === '[') k = chosen.indexOf(']', k);
          else if (chosen[k] === '(') depth++;
          else if (chosen[k] === ')' && --depth === 0) break;
        }
        const inner = chosen.slice(chosen.startsWith('(?:', j) ? j + 3 : j + 1, k);
        atom = () => generate(inner);
        j = k + 1;
      } else {
        atom = () => c;
        j++;
      }
      let min = 1;
      let max = 1;
      if (chosen[j] === '?') {
        min = 0;
        j++;
      } else if (chosen[j] === '{') {
        const end = chosen.indexOf('}', j);
        const [lo, hi] = chosen.slice(j + 1, end).split(',');
        min = Number(lo);
        max = hi === undefined ? min : hi === '' ? min + 3 : Number(hi);
        j = end + 1;
      }
      const times = min + int(max - min + 1);
      for (let t = 0; t < times; t++) out += atom();
    }
    return out;
  }
  return generate(pattern);
}

function patternsOf(country: string): string[] {
  const plan = metadata.countries[country] as RawPlan;
  const types = (plan[11] || []) as (readonly [string, number[]?] | 0)[];
  return [plan[2] as string, ...types.filter((t): t is readonly [string, number[]?] => !!t && !!t[0]).map((t) => t[0])];
}

function randomDigits(rnd: () => number, min: number, max: number): string {
  const n = min + Math.floor(rnd() * (max - min + 1));
  let s = '';
  for (let k = 0; k < n; k++) s += Math.floor(rnd() * 10);
  return s;
}

/** Valid numbers of the region and of those sharing its calling code, mutated, prefixed and random. */
function candidates(region: string, seed: number, count: number): string[] {
  const rnd = seededRandom(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const plan = metadata.countries[region] as RawPlan;
  const callingCode = plan[0] as string;
  const nationalPrefix = (plan[5] || '') as string;
  const iddPattern = plan[1] as string;
  const sharing = metadata.country_calling_codes[callingCode] as string[];
  const neighbours = [region, ...sharing.filter((c) => c !== region).slice(0, 8)];
  const otherCodes = Object.keys(metadata.country_calling_codes);
  const valid: string[] = [];
  for (const country of neighbours) {
    if (examples[country]) valid.push(examples[country] as string);
    for (const pattern of patternsOf(country)) for (let k = 0; k < (country === region ? 60 : 15); k++) valid.push(sample(pattern, rnd));
  }
  const pick = () => valid[int(valid.length)] as string;
  const mutate = (s: string): string => {
    const at = int(s.length + 1);
    switch (int(3)) {
      case 0:
        return s.slice(0, at) + int(10) + s.slice(at + 1);
      case 1:
        return s.slice(0, at) + int(10) + s.slice(at);
      default:
        return s.slice(0, at) + s.slice(at + 1);
    }
  };
  const out = new Set<string>(valid);
  const makers: (() => string)[] = [
    () => mutate(pick()),
    () => mutate(mutate(pick())),
    () => nationalPrefix + pick(),
    () => nationalPrefix + mutate(pick()),
    () => callingCode + pick(),
    () => callingCode + nationalPrefix + pick(),
    () => callingCode + mutate(pick()),
    () => sample(iddPattern, rnd) + callingCode + pick(),
    () => sample(iddPattern, rnd) + callingCode + nationalPrefix + pick(),
    () => sample(iddPattern, rnd) + (otherCodes[int(otherCodes.length)] as string) + randomDigits(rnd, 4, 11),
    () => sample(iddPattern, rnd) + '0' + randomDigits(rnd, 4, 10),
    () => randomDigits(rnd, 7, 15),
    () => nationalPrefix + randomDigits(rnd, 6, 12),
    () => callingCode + randomDigits(rnd, 5, 12),
    // short ones: the fast path takes 3-17 digits
    () => randomDigits(rnd, 3, 6),
    () => callingCode + randomDigits(rnd, 0, 3),
    () => sample(iddPattern, rnd) + callingCode + randomDigits(rnd, 0, 3),
  ];
  for (let k = 0; out.size < count && k < count * 20; k++) {
    const s = (makers[int(makers.length)] as () => string)();
    if (s.length >= 3 && s.length <= 17) out.add(s);
  }
  return [...out];
}

function libraryInternational(digits: string): unknown {
  const p = parsePhoneNumberFromString(`+${digits}`);
  return p ? [p.country, p.countryCallingCode, p.nationalNumber, p.isValid(), p.isPossible()] : null;
}

describe('phone validity from the metadata', () => {
  it('is checked against the libphonenumber-js release it was written from', () => {
    // phone-validity.ts follows this release's parse steps; after an upgrade, read the library's
    // parse.js and helpers again, then change the version here
    const version = (createRequire(import.meta.url)('libphonenumber-js/package.json') as { version: string }).version;
    expect(version).toBe('1.13.16');
  });

  it('reads the metadata libphonenumber-js/max parses with', () => {
    // the CommonJS build (which jest maps the library to) requires the JSON file; the ES build imports this module
    const required: unknown = createRequire(import.meta.url)('libphonenumber-js/max/metadata');
    expect(JSON.stringify(metadataJson)).toBe(JSON.stringify(required));
  });

  it('gives the library answers on generated national and international numbers', () => {
    const regions = [...DEFAULT_PHONE_REGIONS, ...OTHER_REGIONS];
    let national = 0;
    let nationalValid = 0;
    let international = 0;
    let internationalValid = 0;
    const mismatches: string[] = [];
    for (const [index, region] of regions.entries()) {
      const count = (DEFAULT_PHONE_REGIONS as readonly string[]).includes(region) ? PER_REGION : PER_OTHER_REGION;
      for (const digits of candidates(region, 1000 + index, count)) {
        const fast = fastNationalValidity(digits, region);
        const expected = parsePhoneNumberFromString(digits, region)?.isValid() === true;
        national++;
        if (expected) nationalValid++;
        if (fast !== expected) mismatches.push(`${region} ${digits}: ${String(fast)} (library ${String(expected)})`);
        const p = fastInternational(digits);
        const got = p ? [p.country, p.countryCallingCode, p.nationalNumber, p.isValid(), p.isPossible()] : p;
        const want = libraryInternational(digits);
        international++;
        if (Array.isArray(want) && want[3]) internationalValid++;
        if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push(`+${digits}: ${JSON.stringify(got)} (library ${JSON.stringify(want)})`);
      }
    }
    expect(mismatches.slice(0, 20)).toEqual([]);
    // the generated set is mostly valid-looking numbers and then some
    expect(national).toBeGreaterThan(DEFAULT_PHONE_REGIONS.length * (PER_REGION - 100) + OTHER_REGIONS.length * (PER_OTHER_REGION - 100));
    expect(nationalValid).toBeGreaterThan(national / 5);
    expect(internationalValid).toBeGreaterThan(international / 20);
  });

  it('falls back to the library outside its inputs', () => {
    expect(fastNationalValidity('12', 'US')).toBeUndefined();
    expect(fastNationalValidity('2015550123', 'XX')).toBeUndefined(); // not in the metadata
    expect(fastNationalValidity('201-555-0123', 'US')).toBeUndefined();
    expect(fastInternational('1'.repeat(18))).toBeUndefined();
    expect(isValidNationalPhone('2015550123', 'XX' as CountryCode)).toBe(false);
    expect(isValidNationalPhone('(201) 555-0123', 'US')).toBe(true);
    expect(parseInternationalPhone('44 7700 900123')?.isPossible()).toBe(true);
  });

  it('known answers', () => {
    expect(isValidNationalPhone('07400123456', 'GB')).toBe(true);
    expect(isValidNationalPhone('07624369230', 'GB')).toBe(true); // an Isle of Man mobile
    expect(isValidNationalPhone('2015550123', 'US')).toBe(true);
    expect(isValidNationalPhone('0015417543010', 'US')).toBe(false); // IDD "011", not "00"
    expect(isValidNationalPhone('011447400123456', 'US')).toBe(true);
    expect(isValidNationalPhone('0111523456789', 'MX')).toBe(false);
    expect(parseInternationalPhone('447624369230')?.country).toBe('IM');
    expect(parseInternationalPhone('0447400123456')).toBeNull();
    expect(parseInternationalPhone('2421234567')?.countryCallingCode).toBe('242');
  });
});
