import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { ConfigValidationError, loadConfig } from '../config/app-config.js';
import { loadOrCreateDemoSecrets } from '../config/demo-secrets.store.js';
import { createDataSourceOptions } from './data-source.js';
import { EmbeddedPostgresServer } from './embedded-postgres.server.js';
import { revertLastMigration, runPendingMigrations } from './migration.runner.js';

/**
 * `npm run migration:run | migration:revert | migration:generate -- <PastTenseName>`, against
 * DATABASE_URL or, when it is unset, the embedded PostgreSQL under .data/ (as `npm start` uses).
 */
async function main(): Promise<void> {
  const [command, name] = process.argv.slice(2);
  const dataDir = path.resolve(process.cwd(), '.data');
  const config = loadConfig(process.env, { dataDir, demoSecrets: () => loadOrCreateDemoSecrets(dataDir) });
  let embedded: EmbeddedPostgresServer | null = null;
  let url = config.databaseUrl;
  if (!url) {
    embedded = new EmbeddedPostgresServer({ dataDir: path.join(dataDir, 'postgres'), persistent: true });
    url = await embedded.start();
  }
  const dataSource = await new DataSource(createDataSourceOptions(url, { poolSize: 2 })).initialize();
  try {
    switch (command) {
      case 'run': {
        const applied = await runPendingMigrations(dataSource);
        process.stdout.write(applied.length ? applied.map((m) => `applied ${m.name}`).join('\n') + '\n' : 'no pending migrations\n');
        break;
      }
      case 'revert':
        await revertLastMigration(dataSource);
        process.stdout.write('reverted the last migration\n');
        break;
      case 'generate':
        await generate(dataSource, name);
        break;
      default:
        throw new Error('usage: migration.cli run | revert | generate <PastTenseName>');
    }
  } finally {
    await dataSource.destroy();
    await embedded?.stop();
  }
}

/** Writes the SQL that brings the database to the entities as a new migration file, for review. */
async function generate(dataSource: DataSource, name: string | undefined): Promise<void> {
  if (!name || !/^[A-Z][A-Za-z0-9]+$/.test(name)) throw new Error('generate needs a PascalCase past-tense name, e.g. AddedPageLocale');
  const sql = await dataSource.driver.createSchemaBuilder().log();
  if (sql.upQueries.length === 0) {
    process.stdout.write('the database already matches the entities: nothing to generate\n');
    return;
  }
  const timestamp = Date.now();
  const kebab = name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
  const file = path.resolve('migrations', `${timestamp}-${kebab}.ts`);
  const lines = (queries: { query: string }[]) => queries.map((q) => `    await queryRunner.query(${JSON.stringify(q.query)});`).join('\n');
  writeFileSync(
    file,
    `import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ${name}${timestamp} implements MigrationInterface {
  name = '${name}${timestamp}';

  async up(queryRunner: QueryRunner): Promise<void> {
${lines(sql.upQueries)}
  }

  async down(queryRunner: QueryRunner): Promise<void> {
${lines([...sql.downQueries].reverse())}
  }
}
`,
  );
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)}: review it and add ${name}${timestamp} to migrations/index.ts\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigValidationError ? error.message : error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
