import type { DataSource } from 'typeorm';

/**
 * Every text value of every table in the public schema, as one string per row: what an attacker
 * with a database dump would see.
 */
export async function dumpAllTables(dataSource: DataSource): Promise<string> {
  const tables: { table_name: string }[] = await dataSource.query(
    // schema_migrations holds only migration names and their timestamps.
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'`,
  );
  const parts: string[] = [];
  for (const { table_name } of tables) {
    const rows: { row: string }[] = await dataSource.query(`SELECT t::text AS row FROM "${table_name}" t`);
    for (const { row } of rows) parts.push(`${table_name}: ${row}`);
  }
  const jobs: { row: string }[] = await dataSource.query(`SELECT j::text AS row FROM graphile_worker._private_jobs j`);
  for (const { row } of jobs) parts.push(`graphile_worker.jobs: ${row}`);
  return parts.join('\n');
}

/** Digit runs of 13-19 (separators allowed) that pass Luhn: card numbers that escaped redaction. */
export function luhnValidRuns(text: string): string[] {
  const found: string[] = [];
  // UUIDs can hold all-digit groups that read like a dash-separated card number: not customer data.
  const withoutUuids = text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, ' ');
  // Whole runs only: not the fraction of a decimal number (a confidence such as 0.40789052893666)
  // nor a stretch of a hex or base64 string (hashes, sealed values).
  for (const match of withoutUuids.matchAll(/(?<![.\dA-Za-z_-])\d(?:[ -]?\d){12,18}(?![\dA-Za-z_])/g)) {
    const digits = match[0].replace(/\D/g, '');
    // 13-digit cards are Visa's, starting with 4; other 13-digit runs are millisecond timestamps.
    if (digits.length === 13 && !digits.startsWith('4')) continue;
    if (luhn(digits)) found.push(digits);
  }
  return found;
}

export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}
