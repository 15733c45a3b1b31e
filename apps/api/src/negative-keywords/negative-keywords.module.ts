import { Module } from '@nestjs/common';
import { NegativeKeywordsController } from './negative-keywords.controller';
import { NegativeKeywordsService } from './negative-keywords.service';

@Module({ controllers: [NegativeKeywordsController], providers: [NegativeKeywordsService] })
export class NegativeKeywordsModule {}
