import { type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { rejectPrototypeKeys, requireJsonBodies } from './common/content-type.middleware';
import { createValidationPipe } from './common/validation';
import { mountQueueBoard } from './operations/queue-board';

/** Builds the HTTP app exactly as production runs it; tests call this too. */
export async function createApiApp(): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bufferLogs: true, bodyParser: false });
  app.useLogger(app.get(Logger));
  // Bulk requests carry up to 50,000 rows; 20 MB is the contract's ceiling.
  app.use(requireJsonBodies);
  app.useBodyParser('json', { limit: '20mb', strict: true });
  app.use(rejectPrototypeKeys);
  app.set('x-powered-by', false);
  app.set('query parser', 'simple');
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  mountQueueBoard(app);

  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Kuaiche Pilot API')
      .setDescription('Keyword-bidding campaign manager for JD Kuaiche (京东快车). Money is CNY with at most 2 decimals; errors are application/problem+json.')
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'advertiser API key, or ADMIN_TOKEN for POST /v1/advertisers' })
      .build(),
  );
  SwaggerModule.setup('docs', app, doc, { jsonDocumentUrl: 'openapi.json', raw: ['json'] });
  return app;
}
