const BASE64URL_TEXT = /^[A-Za-z0-9_-]*$/;

/**
 * Strict base64url decoding: unpadded alphabet only, and the text must be the canonical encoding
 * of the bytes. Node's and jose's decoders ignore the unused low bits of the last character, so
 * without this check one signature has several spellings and a "changed" token would still verify.
 */
export function decodeCanonicalBase64url(text: string): Buffer | undefined {
  if (!BASE64URL_TEXT.test(text) || text.length % 4 === 1) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}
