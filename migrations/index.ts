/** Every migration, in order. A landed migration is never edited: add a new one. */
export const MIGRATIONS: Function[] = [];
