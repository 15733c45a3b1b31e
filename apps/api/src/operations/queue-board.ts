import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplication } from '@nestjs/common';
import { ALL_QUEUES, env } from '@kuaiche/domain';
import type { Queue } from 'bullmq';
import { timingSafeEqual } from 'crypto';
import type { NextFunction, Request, Response } from 'express';

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The operator's token guards the board: `Authorization: Bearer <ADMIN_TOKEN>`, or HTTP Basic
 * with the token as password (so a browser can open it). Without ADMIN_TOKEN set, it is closed.
 */
export function adminOnly(req: Request, res: Response, next: NextFunction): void {
  const token = env().ADMIN_TOKEN;
  const header = req.headers.authorization ?? '';
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  const basic = /^Basic\s+(\S+)\s*$/i.exec(header)?.[1];
  const password = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':').slice(1).join(':') : undefined;
  const given = bearer ?? password;
  if (token && given !== undefined && same(given, token)) return next();
  res.setHeader('WWW-Authenticate', 'Basic realm="Kuaiche Pilot queues"');
  res.status(401).type('application/problem+json').send(JSON.stringify({ type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'the queue dashboard needs the ADMIN_TOKEN' }));
}

/**
 * Bull Board at /admin/queues: every queue, its jobs, failures and retries, behind `adminOnly`.
 * Mounted on the Express instance directly (@bull-board/api + @bull-board/express; the Nest
 * wrapper package is CommonJS requiring the ESM-only @nestjs/common, which the test runner cannot load).
 */
export function mountQueueBoard(app: INestApplication): void {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath('/admin/queues');
  createBullBoard({
    queues: ALL_QUEUES.map((name) => new BullMQAdapter(app.get<Queue>(getQueueToken(name), { strict: false }))),
    serverAdapter,
  });
  app.use('/admin/queues', adminOnly, serverAdapter.getRouter());
}
