/**
 * A text's UTF-16 code units in a reused Uint16Array, for the scans of the recognisers that read
 * every character of a message (context words, digit groups).
 *
 * `charCodeAt` in a loop costs several times a typed-array read once a loop sees strings of more
 * than one representation (one-byte and two-byte, flat, sliced or concatenated), as the messages
 * of a chat do. Plain ASCII text, the usual message, is encoded natively (TextEncoder writes its
 * bytes, which are its code units) and widened by a typed-array loop; any other text is read code
 * unit by code unit. (The intent model writes a plain ASCII text's bytes straight into its kernel's
 * memory, scorer.ts.)
 *
 * The array is longer than the text and keeps what earlier, longer texts left past its end: read
 * only below `text.length`.
 */
export class CodeUnits {
  private bytes = new Uint8Array(256);
  private units = new Uint16Array(256);
  private readonly encoder = new TextEncoder();
  /** whether the last text loaded was plain ASCII */
  ascii = true;

  /** The code units of `text` in the first `text.length` entries of an array reused by the next `load`. */
  load(text: string): Uint16Array {
    const n = text.length;
    if (n > this.units.length) {
      let cap = this.units.length * 2;
      while (cap < n) cap *= 2;
      this.units = new Uint16Array(cap);
      this.bytes = new Uint8Array(cap);
    }
    const units = this.units;
    // one byte per character read: the text was ASCII
    const { read, written } = this.encoder.encodeInto(text, this.bytes);
    this.ascii = read === n && written === n;
    if (this.ascii) {
      const bytes = this.bytes;
      for (let i = 0; i < n; i++) units[i] = bytes[i] as number;
    } else {
      for (let i = 0; i < n; i++) units[i] = text.charCodeAt(i);
    }
    return units;
  }
}
