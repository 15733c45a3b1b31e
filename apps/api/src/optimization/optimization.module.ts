import { Module } from '@nestjs/common';
import { AlertingModule, QueueModule } from '@kuaiche/domain';
import { OptimizationController } from './optimization.controller';
import { OptimizationService } from './optimization.service';

@Module({
  imports: [QueueModule, AlertingModule],
  controllers: [OptimizationController],
  providers: [OptimizationService],
})
export class OptimizationModule {}
