import 'reflect-metadata';
import helmet from '@fastify/helmet';
import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { GlobalExceptionFilter } from './common/errors/global-exception.filter.js';
import { MAX_BODY_BYTES, registerJsonBodyParser } from './common/http/json-body.parser.js';
import type { AppConfig } from './config/app-config.js';
import { logAbortedRequest, logUnroutedRequest } from './logging/logging.module.js';
import { requestIdOf } from './logging/request-id.js';
import { MetricsService } from './metrics/metrics.service.js';

/** Fastify takes a hop count as a number at run time; its type only lists the other forms. */
function trustProxyOption(trusted: AppConfig['trustedProxies']): boolean | string[] {
  return trusted as boolean | string[];
}

/** Builds the whole application (used by main.ts and by the e2e tests), ready to listen. */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  // maxParamLength: secure-link tokens (/s/:token) run to ~350 characters; the default 100 would 404 them.
  const adapter = new FastifyAdapter({ bodyLimit: MAX_BODY_BYTES, routerOptions: { maxParamLength: 600 }, logger: false, genReqId: requestIdOf, trustProxy: trustProxyOption(config.trustedProxies) });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, { bufferLogs: true, bodyParser: false });
  app.useLogger(app.get(Logger));
  app.flushLogs();
  const fastify = app.getHttpAdapter().getInstance();
  registerJsonBodyParser(fastify);

  const metrics = app.get(MetricsService);
  fastify.addHook('onResponse', (request, reply, done) => {
    // The route template, never the raw URL: a URL can carry a token.
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequestDuration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    logUnroutedRequest(request.raw, request.routeOptions.url, request.id, reply.statusCode, reply.elapsedTime);
    done();
  });
  fastify.addHook('onRequestAbort', (request, done) => {
    logAbortedRequest(request.raw, request.routeOptions.url, request.id);
    done();
  });

  // Meta's webhook calls read no browser security headers: the hot path skips computing them.
  fastify.addHook('onRoute', (route) => {
    if (route.url.startsWith('/webhooks/')) (route as { helmet?: boolean }).helmet = false;
  });
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        objectSrc: ["'none'"],
        connectSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        // The API docs page (swagger-ui) needs inline styles; application pages set nonces.
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
  });

  app.useGlobalFilters(new GlobalExceptionFilter());
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Secure handoff API')
      .setDescription('Messenger intake, triggers, handoffs and administration')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  // Under jest the UI's static-file plugin cannot load (one of its dependencies is ESM loaded with
  // require, which jest's module system refuses); the JSON description is served either way.
  SwaggerModule.setup('api/docs', app, document, { swaggerUiEnabled: config.nodeEnv !== 'test', jsonDocumentUrl: 'api/docs-json' });
  return app;
}
