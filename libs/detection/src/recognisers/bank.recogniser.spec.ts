import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { isValidIBAN, validateIBAN, ValidationErrorsIBAN } from 'ibantools';
import { ibanCheckDigitsValid, ibanValid } from './bank.recogniser.js';

/** IBANs of several countries (national check digits included: BE, ES, FR, PT ...) */
const IBANS = [
  'DE89370400440532013000',
  'GB29NWBK60161331926819',
  'FR1420041010050500013M02606',
  'ES9121000418450200051332',
  'BE68539007547034',
  'PL61109010140000071219812874',
  'CH9300762011623852957',
  'IE29AIBK93115212345678',
  'AT611904300234573201',
  'PT50000201231234567890154',
  'NL91ABNA0417164300',
  'IT60X0542811101000000123456',
];

/** an IBAN with a character changed, swapped with the next, or its check digits replaced */
const nearIban = fc
  .tuple(fc.constantFrom(...IBANS), fc.nat(40), fc.constantFrom(...'0123456789ABCDEFXYZ'), fc.constantFrom('change', 'swap', 'check', 'same'))
  .map(([iban, at, c, how]) => {
    const i = at % iban.length;
    if (how === 'change') return iban.slice(0, i) + c + iban.slice(i + 1);
    if (how === 'swap' && i + 1 < iban.length) return iban.slice(0, i) + iban[i + 1] + iban[i] + iban.slice(i + 2);
    if (how === 'check') return iban.slice(0, 2) + String(at % 100).padStart(2, '0') + iban.slice(4);
    return iban;
  });
const anyUpperAlnum = fc.stringMatching(/^[A-Z]{2}[0-9A-Z]{2,30}$/);

describe('IBAN checks', () => {
  it('tells valid IBANs exactly as ibantools does, and wrong check digits as its validation reports them', () => {
    for (const iban of IBANS) expect(ibanValid(iban)).toBe(true);
    fc.assert(
      fc.property(fc.oneof(nearIban, anyUpperAlnum), (iban) => {
        expect(ibanValid(iban)).toBe(isValidIBAN(iban));
        const errors = validateIBAN(iban).errorCodes;
        // ibantools also reports wrong check digits for a BBAN of the wrong format, whatever they are
        if (!errors.includes(ValidationErrorsIBAN.WrongBBANFormat) && !errors.includes(ValidationErrorsIBAN.NoIBANCountry)) {
          expect(ibanCheckDigitsValid(iban)).toBe(!errors.includes(ValidationErrorsIBAN.WrongIBANChecksum));
        }
        // so an IBAN whose check digits fail never fails only its national check (the recogniser skips asking)
        if (!ibanCheckDigitsValid(iban)) expect(errors.length === 1 && errors[0] === ValidationErrorsIBAN.WrongAccountBankBranchChecksum).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });
});
