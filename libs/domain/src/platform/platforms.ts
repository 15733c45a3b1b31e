import { Injectable } from '@nestjs/common';
import { Db } from '../db/db';
import { type Advertiser, type Platform, PLATFORMS } from '../types';
import { CsvPlatform, type PlatformAdapter } from './platform-adapter';
import { SandboxPlatform } from './sandbox-platform';

/** The adapters, one of each per process. */
@Injectable()
export class Platforms {
  private readonly adapters: Record<Platform, PlatformAdapter>;
  /** Platforms the worker syncs with (pulls every hour, pushes decisions to); `csv` moves by hand. */
  readonly syncing: readonly Platform[];

  constructor(db: Db) {
    this.adapters = { sandbox: new SandboxPlatform(db), csv: new CsvPlatform() };
    this.syncing = PLATFORMS.filter((p) => this.adapters[p].syncs);
  }

  /** The adapter of the advertiser's platform (`advertisers.platform`). */
  platformFor(advertiser: Pick<Advertiser, 'platform'>): PlatformAdapter {
    return this.adapters[advertiser.platform];
  }
}
