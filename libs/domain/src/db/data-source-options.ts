import { types } from 'pg';
import { type DataSourceOptions } from 'typeorm';
import { migrations } from '../../../../migrations';

// int8 (bigint) columns hold fen and counts; every such value we store is far below 2^53,
// so numbers are safe and spare every caller a string-to-number step.
types.setTypeParser(20, (v) => Number(v));
// numeric holds ratios such as the ROI target (e.g. 3.5000).
types.setTypeParser(1700, (v) => Number(v));
// date columns are calendar days (budget days in an advertiser's timezone): keep 'YYYY-MM-DD',
// never a Date at the server's local midnight.
types.setTypeParser(1082, (v) => v);

export function dataSourceOptions(url: string, poolSize = 10): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    synchronize: false,
    migrationsRun: false,
    migrationsTableName: 'typeorm_migrations',
    migrations,
    entities: [],
    extra: { max: poolSize, application_name: 'kuaiche-pilot' },
    logging: false,
  };
}
