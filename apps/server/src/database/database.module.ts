import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { createDataSourceOptions } from './data-source.js';
import { runPendingMigrations } from './migration.runner.js';

/** The TypeORM connection; pending migrations run before anything else uses it. */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): DataSourceOptions => {
        if (!config.databaseUrl) throw new Error('database URL missing: main.ts starts the embedded PostgreSQL first');
        return createDataSourceOptions(config.databaseUrl, { poolSize: config.databasePoolSize });
      },
      dataSourceFactory: async (options?: DataSourceOptions) => {
        if (!options) throw new Error('no data source options');
        const dataSource = await new DataSource(options).initialize();
        await runPendingMigrations(dataSource);
        return dataSource;
      },
    }),
  ],
})
export class DatabaseModule {}
