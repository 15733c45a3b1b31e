import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadEnv } from './config/env';
import { dataSourceOptions } from './db/data-source-options';

/** Used by the TypeORM CLI (`npm run migration:run` / `migration:revert`). */
const e = loadEnv();
export default new DataSource(dataSourceOptions(e.DATABASE_URL));
