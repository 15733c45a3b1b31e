import 'reflect-metadata';
import { env } from '@kuaiche/domain';
import { createApiApp } from './bootstrap';

async function main(): Promise<void> {
  const config = env();
  const app = await createApiApp();
  await app.listen(config.PORT, '0.0.0.0');
  // eslint-disable-next-line no-console
  console.log(JSON.stringify({ level: 'info', msg: `api listening on :${config.PORT}`, docs: `http://127.0.0.1:${config.PORT}/docs` }));
}

main().catch((err) => {
  // Configuration errors name the variable; print them plainly and stop.
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
