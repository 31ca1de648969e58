import type { EntityManager } from 'typeorm';

/**
 * Runs an UPDATE ... RETURNING and gives its rows. TypeORM's postgres driver answers UPDATE and
 * DELETE with `[rows, affectedCount]` but INSERT and SELECT with the rows alone; this hides that.
 */
export async function updateReturning<T>(runner: Pick<EntityManager, 'query'>, sql: string, params: unknown[]): Promise<T[]> {
  const result = (await runner.query(sql, params)) as unknown;
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}
