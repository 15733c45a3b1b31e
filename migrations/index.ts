import { CreateAdvertisers1763700000000 } from './1763700000000-create-advertisers';
import { CreatePlansAndUnits1763700000001 } from './1763700000001-create-plans-and-units';
import { CreateKeywordsNegativesCreatives1763700000002 } from './1763700000002-create-keywords-negatives-creatives';
import { CreateIdempotencyKeys1763700000003 } from './1763700000003-create-idempotency-keys';
import { CreateHourlyStats1763700000004 } from './1763700000004-create-hourly-stats';
import { SplitDailyRollups1763700000005 } from './1763700000005-split-daily-rollups';
import { CreateOptimization1763700000006 } from './1763700000006-create-optimization';
import { CreateExperiments1763700000007 } from './1763700000007-create-experiments';
import { CreateAlertsWebhooks1763700000008 } from './1763700000008-create-alerts-webhooks';
import { AddAdvertiserPlatform1763700000009 } from './1763700000009-add-advertiser-platform';
import { BidChangesOneKey1763700000010 } from './1763700000010-bid-changes-one-key';
import { BidChangesRunByKey1763700000011 } from './1763700000011-bid-changes-run-by-key';

/** In order. Listed explicitly so the CLI, the apps and the tests run the same set. */
export const migrations = [
  CreateAdvertisers1763700000000,
  CreatePlansAndUnits1763700000001,
  CreateKeywordsNegativesCreatives1763700000002,
  CreateIdempotencyKeys1763700000003,
  CreateHourlyStats1763700000004,
  SplitDailyRollups1763700000005,
  CreateOptimization1763700000006,
  CreateExperiments1763700000007,
  CreateAlertsWebhooks1763700000008,
  AddAdvertiserPlatform1763700000009,
  BidChangesOneKey1763700000010,
  BidChangesRunByKey1763700000011,
];
