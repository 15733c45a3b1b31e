import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { env } from '@kuaiche/domain';
import { Logger } from 'nestjs-pino';
import { WorkerModule } from './worker.module';

/**
 * The worker: a Nest application context (no HTTP server) running the BullMQ consumers.
 * It scales by running more copies. On SIGTERM/SIGINT Nest closes the BullMQ workers, which
 * let their active jobs finish before the process exits.
 */
async function main(): Promise<void> {
  env();
  const app = await NestFactory.createApplicationContext(WorkerModule, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.init();
  app.get(Logger).log({ msg: 'worker ready', pid: process.pid });
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
