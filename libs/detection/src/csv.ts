/**
 * RFC 4180 CSV reader (quoted fields, doubled quotes, CR/LF/CRLF line ends, line breaks inside
 * quotes). Pure, linear time. Used to read training corpora.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const n = text.length;
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  while (i < n) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field.length === 0) {
      quoted = true;
      i++;
    } else if (ch === ',') {
      row.push(field);
      field = '';
      i++;
    } else if (ch === '\r' || ch === '\n') {
      row.push(field);
      field = '';
      rows.push(row);
      row = [];
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else {
      field += ch;
      i++;
    }
  }
  if (field.length > 0 || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

/**
 * Reads a `text,label` corpus: the first row is a header naming a text column (`text`) and a
 * label column (`label`, `category` or `intent`).
 */
export function parseLabelledCsv(text: string): { text: string; label: string }[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) throw new Error('empty corpus');
  const names = header.map((h) => h.trim().toLowerCase());
  const t = names.indexOf('text');
  const l = names.findIndex((h) => h === 'label' || h === 'category' || h === 'intent');
  if (t < 0 || l < 0) throw new Error('corpus header must name a text column and a label column');
  return rows
    .map((r, i) => {
      const textValue = r[t];
      const label = r[l];
      if (textValue === undefined || label === undefined) throw new Error(`corpus row ${i + 2} has too few columns`);
      return { text: textValue, label: label.trim() };
    })
    .filter((r) => r.text.trim().length > 0 && r.label.length > 0);
}
