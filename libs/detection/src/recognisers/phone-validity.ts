import metadataJson from 'libphonenumber-js/max/metadata';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/*
 * libphonenumber-js's answers for the digit strings the phone recogniser asks about, computed
 * from the library's own metadata with every regular expression compiled once. The library
 * builds `new RegExp(pattern)` from the metadata on each of the dozens of tests one parse makes
 * (about 60% of a 6-57 us call); the steps below follow its `parse.js` (v2) and helpers
 * one for one, in the order it takes them, so that every answer is the library's. Whatever the
 * fast path does not expect (a non-digit, an odd length, metadata of another shape, a region
 * the metadata lacks, any error) goes to the library itself.
 */

/** One numbering plan of the compressed (version 4) metadata, its patterns compiled. */
interface Plan {
  readonly callingCode: string;
  /** the IDD prefix anchored at the start: `stripIddPrefix` wants its match at index 0 */
  readonly idd: RegExp | undefined;
  /** the national number pattern, whole (`matchesEntirely`) */
  readonly pattern: RegExp;
  readonly lengths: readonly number[];
  /** `'^(?:' + national_prefix_for_parsing + ')'`, the very RegExp the library builds */
  readonly prefix: RegExp | undefined;
  readonly transform: string | undefined;
  /** leading digits anchored: `nationalNumber.search(leadingDigits) === 0` */
  readonly leadingDigits: RegExp | undefined;
  /** `Metadata.hasTypes()` */
  readonly hasTypes: boolean;
  /** the types with a pattern (a type without one never matches), fixed line first */
  readonly types: readonly NumberType[];
}

interface NumberType {
  readonly pattern: RegExp;
  readonly lengths: readonly number[];
}

/** Thrown inside the fast path where it cannot be sure of the library's answer. */
class Unsupported extends Error {}

type RawPlan = readonly unknown[];
interface RawMetadata {
  readonly version?: unknown;
  readonly country_calling_codes?: Record<string, readonly string[] | undefined>;
  readonly countries?: Record<string, RawPlan | undefined>;
  readonly nonGeographic?: Record<string, RawPlan | undefined>;
}

const metadata = metadataJson as unknown as RawMetadata;
/** The layout read below is that of version 4 metadata; any other keeps to the library. */
const SUPPORTED = metadata.version === 4 && isRecord(metadata.countries) && isRecord(metadata.country_calling_codes) && isRecord(metadata.nonGeographic);

function isRecord(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}

const regexps = new Map<string, RegExp>();
function compiled(source: string): RegExp {
  let re = regexps.get(source);
  if (!re) {
    re = new RegExp(source);
    regexps.set(source, re);
  }
  return re;
}

function isLengths(value: unknown): value is readonly number[] {
  return Array.isArray(value) && value.length > 0 && value.every((n) => typeof n === 'number');
}

/** A plan compiled from its metadata array, or Unsupported if it is not laid out as expected. */
function compilePlan(raw: RawPlan | undefined): Plan {
  if (!Array.isArray(raw)) throw new Unsupported();
  const [callingCode, idd, pattern, lengths, , nationalPrefix, , prefixForParsing, transform, , leadingDigits, types] = raw as unknown[];
  if (typeof callingCode !== 'string' || typeof pattern !== 'string' || !isLengths(lengths)) throw new Unsupported();
  // `nationalPrefixForParsing() || nationalPrefix()`
  const prefix = prefixForParsing || nationalPrefix;
  if ((prefix && typeof prefix !== 'string') || (transform && typeof transform !== 'string') || (leadingDigits && typeof leadingDigits !== 'string')) throw new Unsupported();
  const compiledTypes: NumberType[] = [];
  let hasTypes = false;
  if (types) {
    if (!Array.isArray(types)) throw new Unsupported();
    hasTypes = types.length > 0;
    // `getType()` reads the first ten: fixed line, mobile, toll free, premium rate, personal, voicemail, UAN, pager, VoIP, shared cost
    for (const type of (types as unknown[]).slice(0, 10)) {
      if (!type) continue;
      if (!Array.isArray(type)) throw new Unsupported();
      const [typePattern, typeLengths] = type as unknown[];
      if (typeof typePattern !== 'string' || (typeLengths && !isLengths(typeLengths))) throw new Unsupported();
      if (!typePattern) continue; // `isNumberTypeEqualTo`: a type with no pattern is never the number's
      compiledTypes.push({ pattern: compiled(`^(?:${typePattern})$`), lengths: (typeLengths || lengths) as readonly number[] });
    }
  }
  return {
    callingCode,
    idd: typeof idd === 'string' ? compiled(`^(?:${idd})`) : undefined,
    pattern: compiled(`^(?:${pattern})$`),
    lengths,
    prefix: prefix ? compiled(`^(?:${prefix as string})`) : undefined,
    transform: transform ? (transform as string) : undefined,
    leadingDigits: leadingDigits ? compiled(`^(?:${leadingDigits as string})`) : undefined,
    hasTypes,
    types: compiledTypes,
  };
}

const countryPlans = new Map<string, Plan>();
/** `selectNumberingPlan(country)` */
function countryPlan(country: string): Plan {
  let plan = countryPlans.get(country);
  if (!plan) {
    const countries = metadata.countries as Record<string, RawPlan | undefined>;
    if (!Object.hasOwn(countries, country)) throw new Unsupported();
    plan = compilePlan(countries[country]);
    countryPlans.set(country, plan);
  }
  return plan;
}

/** `getCountryCodesForCallingCode()` */
function countriesOf(callingCode: string): readonly string[] | undefined {
  const codes = Object.hasOwn(metadata.country_calling_codes as object, callingCode) ? (metadata.country_calling_codes as Record<string, readonly string[] | undefined>)[callingCode] : undefined;
  if (!codes) return undefined;
  if (!Array.isArray(codes) || codes.length === 0) throw new Unsupported();
  if (codes.length === 1 && (codes[0] as string).length === 3) return undefined;
  return codes;
}

function nonGeographicPlan(callingCode: string): RawPlan | undefined {
  const plans = metadata.nonGeographic as Record<string, RawPlan | undefined>;
  return Object.hasOwn(plans, callingCode) ? plans[callingCode] : undefined;
}

/** `hasCallingCode()` */
function hasCallingCode(callingCode: string): boolean {
  return countriesOf(callingCode) !== undefined || !!nonGeographicPlan(callingCode);
}

const callingCodePlans = new Map<string, Plan>();
/** `selectNumberingPlan(callingCode)`: the plan of the code's first country, else the non-geographic one */
function callingCodePlan(callingCode: string): Plan {
  let plan = callingCodePlans.get(callingCode);
  if (!plan) {
    const countries = countriesOf(callingCode);
    plan = countries ? countryPlan(countries[0] as string) : compilePlan(nonGeographicPlan(callingCode));
    callingCodePlans.set(callingCode, plan);
  }
  return plan;
}

/** `checkNumberLength()`'s answers */
type Length = 'IS_POSSIBLE' | 'TOO_SHORT' | 'TOO_LONG' | 'INVALID_LENGTH';

/** `checkNumberLength()` without a type */
function checkLength(nationalNumber: string, plan: Plan): Length {
  const { lengths } = plan;
  const n = nationalNumber.length;
  const min = lengths[0] as number;
  if (min === n) return 'IS_POSSIBLE';
  if (min > n) return 'TOO_SHORT';
  if ((lengths[lengths.length - 1] as number) < n) return 'TOO_LONG';
  return lengths.indexOf(n, 1) >= 0 ? 'IS_POSSIBLE' : 'INVALID_LENGTH';
}

/** `getNumberType() !== undefined` */
function hasType(nationalNumber: string, plan: Plan): boolean {
  if (!plan.pattern.test(nationalNumber)) return false;
  const n = nationalNumber.length;
  for (const type of plan.types) if (type.lengths.includes(n) && type.pattern.test(nationalNumber)) return true;
  return false;
}

/** `isValidNumber()` of a parsed number */
function isValidIn(nationalNumber: string, plan: Plan): boolean {
  return plan.hasTypes ? hasType(nationalNumber, plan) : plan.pattern.test(nationalNumber);
}

/** `getCountryByCallingCode()`: the country among those sharing the code, by leading digits or number type */
function countryOf(callingCode: string, nationalNumber: string): string | undefined {
  const countries = countriesOf(callingCode);
  if (!countries) return undefined;
  if (countries.length === 1) return countries[0];
  for (const country of countries) {
    const plan = countryPlan(country);
    if (plan.leadingDigits) {
      if (nationalNumber && plan.leadingDigits.test(nationalNumber)) return country;
    } else if (hasType(nationalNumber, plan)) return country;
  }
  return undefined;
}

/** `extractNationalNumberFromPossiblyIncompleteNumber()`: the number without its national prefix (or transformed) */
function stripNationalPrefix(number: string, plan: Plan): string {
  const { prefix } = plan;
  if (!number || !prefix) return number;
  const match = prefix.exec(number);
  if (!match) return number;
  const groups = match.length - 1;
  if (plan.transform && groups > 0 && match[groups]) return number.replace(prefix, plan.transform);
  return number.slice(match[0].length);
}

/** `extractNationalNumber()`: the prefix goes only if the rest still fits the plan */
function extractNationalNumber(number: string, plan: Plan): string {
  const national = stripNationalPrefix(number, plan);
  if (national === number) return number;
  if (plan.pattern.test(number) && !plan.pattern.test(national)) return number;
  const country = countryOf(plan.callingCode, national);
  const length = checkLength(national, country ? countryPlan(country) : plan);
  return length === 'TOO_SHORT' || length === 'INVALID_LENGTH' ? number : national;
}

/** `extractCountryCallingCode()` after a `+`: the calling code and the rest, or null (no such code) */
function splitCallingCode(digits: string): { callingCode: string; rest: string } | null {
  if (digits.charCodeAt(0) === 48) return null;
  for (let i = 1; i <= 3 && i <= digits.length; i++) {
    const callingCode = digits.slice(0, i);
    if (hasCallingCode(callingCode)) return { callingCode, rest: digits.slice(i) };
  }
  return null;
}

/** `extractCountryCallingCodeFromInternationalNumberWithoutPlusSign()`: "441632960000" in GB is +44 */
function writtenWithCallingCode(digits: string, home: Plan): boolean {
  if (!digits.startsWith(home.callingCode)) return false;
  const shorter = extractNationalNumber(digits.slice(home.callingCode.length), home);
  const whole = extractNationalNumber(digits, home);
  return (!home.pattern.test(whole) && home.pattern.test(shorter)) || checkLength(whole, home) === 'TOO_LONG';
}

/** The input shapes the fast path knows the library's preparsing of: ASCII digits only, 3-17 of them. */
const DIGITS = /^\d{3,17}$/;

/**
 * `parsePhoneNumberFromString(digits, region)?.isValid()`, or undefined where the library
 * must answer.
 */
export function fastNationalValidity(digits: string, region: string): boolean | undefined {
  if (!SUPPORTED || !DIGITS.test(digits)) return undefined;
  try {
    const home = countryPlan(region);
    if (!home.idd) return undefined;
    let callingCode: string | undefined;
    let number = digits;
    let country: string | undefined;
    const idd = home.idd.exec(digits);
    const afterIdd = idd ? digits.slice(idd[0].length) : '';
    if (afterIdd !== '' && afterIdd !== digits && afterIdd.charCodeAt(0) !== 48) {
      // dialled from `region` with its IDD prefix: an international number
      const split = splitCallingCode(afterIdd);
      if (!split) return false;
      ({ callingCode, rest: number } = split);
    } else if (writtenWithCallingCode(digits, home)) {
      callingCode = home.callingCode;
      number = digits.slice(callingCode.length);
    }
    let plan: Plan;
    if (callingCode === undefined) {
      plan = home;
      callingCode = home.callingCode;
      country = region;
    } else plan = callingCodePlan(callingCode);
    if (!number) return false;
    const nationalNumber = extractNationalNumber(number, plan);
    country = countryOf(callingCode, nationalNumber) ?? country;
    if (nationalNumber.length < 2 || nationalNumber.length > 17) return false;
    return isValidIn(nationalNumber, country ? countryPlan(country) : callingCodePlan(callingCode));
  } catch {
    return undefined;
  }
}

/** What `validPhone` reads of a number written with `+`: the library's `PhoneNumber` satisfies it too. */
export interface InternationalPhone {
  readonly country?: CountryCode | undefined;
  readonly countryCallingCode: string;
  readonly nationalNumber: string;
  isValid(): boolean;
  isPossible(): boolean;
}

class ParsedPhone implements InternationalPhone {
  constructor(
    readonly country: CountryCode | undefined,
    readonly countryCallingCode: string,
    readonly nationalNumber: string,
    private readonly plan: Plan,
  ) {}
  isValid(): boolean {
    return isValidIn(this.nationalNumber, this.plan);
  }
  isPossible(): boolean {
    return checkLength(this.nationalNumber, this.plan) === 'IS_POSSIBLE';
  }
}

/**
 * `parsePhoneNumberFromString('+' + digits)` as far as `validPhone` reads it (null where the
 * library gives undefined), or undefined where the library must answer.
 */
export function fastInternational(digits: string): InternationalPhone | null | undefined {
  if (!SUPPORTED || !DIGITS.test(digits)) return undefined;
  try {
    const split = splitCallingCode(digits);
    if (!split || !split.rest) return null;
    const { callingCode, rest } = split;
    const nationalNumber = extractNationalNumber(rest, callingCodePlan(callingCode));
    const country = countryOf(callingCode, nationalNumber);
    if (nationalNumber.length < 2 || nationalNumber.length > 17) return null;
    const plan = country ? countryPlan(country) : callingCodePlan(callingCode);
    return new ParsedPhone(country as CountryCode | undefined, callingCode, nationalNumber, plan);
  } catch {
    return undefined;
  }
}

/** Whether `digits` is a valid phone number of `region` (or one dialled from it), as libphonenumber-js says. */
export function isValidNationalPhone(digits: string, region: CountryCode): boolean {
  return fastNationalValidity(digits, region) ?? parsePhoneNumberFromString(digits, region)?.isValid() === true;
}

/** `parsePhoneNumberFromString('+' + digits)`, the library's answer, mostly without the library. */
export function parseInternationalPhone(digits: string): InternationalPhone | null {
  const fast = fastInternational(digits);
  return fast !== undefined ? fast : (parsePhoneNumberFromString(`+${digits}`) ?? null);
}
