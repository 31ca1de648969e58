/** Every TypeORM entity of the server, listed once for the data source and the migration generator. */
export const ENTITIES: Function[] = [];
