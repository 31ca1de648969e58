import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../apps/server/src/bootstrap.js';
import type { AppConfig } from '../../apps/server/src/config/app-config.js';
import { testConfig } from './test-config.js';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  /** http://127.0.0.1:PORT */
  url: string;
  request(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/** The whole application on a real port against the run's PostgreSQL. */
export async function startTestApp(envOverrides: Record<string, string> = {}, config?: AppConfig): Promise<TestApp> {
  const appConfig = config ?? testConfig(envOverrides);
  const app = await createApp(appConfig);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  return {
    app,
    config: appConfig,
    url,
    request: (path, init) => fetch(url + path, init),
    close: () => app.close(),
  };
}
