import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { BID_STRATEGIES, type BidStrategy, fenToCny, type Plan, PLAN_STATUSES, PLAN_TYPES, type PlanStatus, type PlanType, PROMO_PHASES, type PromoPhaseName } from '@kuaiche/domain';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsObject, IsString, ValidateIf, ValidateNested } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { IsCalendarDate, IsFinitePositive, IsOptionalDefined, IsSchedule, IsStorableText, Money, TextLength, trim } from '../../common/validators';

const MAX_BUDGET = 99_999_999.99;

export class PromoPhaseDto {
  @ApiProperty({ enum: PROMO_PHASES })
  @IsIn(PROMO_PHASES)
  name!: PromoPhaseName;

  @ApiProperty({ example: '2026-05-20', description: 'inclusive, advertiser timezone' })
  @IsCalendarDate()
  startDate!: string;

  @ApiProperty({ example: '2026-05-31', description: 'inclusive, advertiser timezone' })
  @IsCalendarDate()
  endDate!: string;

  @Money(100, MAX_BUDGET, "the phase's total budget in CNY, spread over its days", true)
  budget?: number;
}

export class PromoDto {
  @ApiProperty({ type: [PromoPhaseDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(3)
  // ValidateNested alone lets an array stand for a phase ([[]] would reach the service).
  @IsObject({ each: true, message: 'each phase must be an object' })
  @ValidateNested({ each: true })
  @Type(() => PromoPhaseDto)
  phases!: PromoPhaseDto[];

  @Money(100, MAX_BUDGET, 'split pre-heat : main : tail = 3 : 6 : 1 when the phases carry no budget', true)
  totalBudget?: number;
}

export class CreatePlanDto {
  @ApiProperty({ minLength: 1, maxLength: 100 })
  @Transform(trim)
  @IsString()
  @IsStorableText()
  @TextLength(1, 100)
  name!: string;

  @ApiProperty({ enum: PLAN_TYPES })
  @IsIn(PLAN_TYPES)
  type!: PlanType;

  @ApiPropertyOptional({ enum: ['active', 'paused'], default: 'active' })
  @IsOptionalDefined()
  @IsIn(['active', 'paused'])
  status?: PlanStatus;

  @Money(100, MAX_BUDGET, 'CNY per budget day, at least 100 (platform minimum)')
  dailyBudget!: number;

  @ApiProperty({ description: 'ROI target (GMV / spend), 0.0001 to 1000', minimum: 0.0001, maximum: 1000, example: 3 })
  @IsFinitePositive()
  targetRoi!: number;

  @ApiPropertyOptional({ enum: BID_STRATEGIES, default: 'target_roi' })
  @IsOptionalDefined()
  @IsIn(BID_STRATEGIES)
  bidStrategy?: BidStrategy;

  @Money(0.3, 999.99, 'lowest bid the optimizer may set (default 0.30)', true)
  minBid?: number;

  @Money(0.3, 999.99, 'highest bid the optimizer may set (default 999.99)', true)
  maxBid?: number;

  @ApiPropertyOptional({ type: 'array', items: { type: 'array', items: { type: 'number' } }, description: '7 x 24 hour-of-week bid multipliers in [0, 3], Monday first; null for none' })
  @ValidateIf((_o, v) => v !== undefined && v !== null)
  @IsSchedule()
  schedule?: number[][] | null;

  @ApiPropertyOptional({ type: PromoDto, description: 'promo plans only' })
  @ValidateIf((_o, v) => v !== undefined && v !== null)
  @IsObject()
  @ValidateNested()
  @Type(() => PromoDto)
  promo?: PromoDto | null;
}

export class UpdatePlanDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 100 })
  @IsOptionalDefined()
  @Transform(trim)
  @IsString()
  @IsStorableText()
  @TextLength(1, 100)
  name?: string;

  @ApiPropertyOptional({ enum: ['active', 'paused'], description: 'archive with DELETE' })
  @IsOptionalDefined()
  @IsIn(['active', 'paused'])
  status?: PlanStatus;

  @Money(100, MAX_BUDGET, 'CNY per budget day', true)
  dailyBudget?: number;

  @ApiPropertyOptional()
  @IsOptionalDefined()
  @IsFinitePositive()
  targetRoi?: number;

  @ApiPropertyOptional({ enum: BID_STRATEGIES })
  @IsOptionalDefined()
  @IsIn(BID_STRATEGIES)
  bidStrategy?: BidStrategy;

  @Money(0.3, 999.99, 'lowest bid', true)
  minBid?: number;

  @Money(0.3, 999.99, 'highest bid', true)
  maxBid?: number;

  @ApiPropertyOptional({ type: 'array', items: { type: 'array', items: { type: 'number' } }, nullable: true })
  @ValidateIf((_o, v) => v !== undefined && v !== null)
  @IsSchedule()
  schedule?: number[][] | null;

  @ApiPropertyOptional({ type: PromoDto, nullable: true })
  @ValidateIf((_o, v) => v !== undefined && v !== null)
  @IsObject()
  @ValidateNested()
  @Type(() => PromoDto)
  promo?: PromoDto | null;
}

export class ListPlansQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: PLAN_STATUSES, description: 'default: all but archived' })
  @IsOptionalDefined()
  @IsIn(PLAN_STATUSES)
  status?: PlanStatus;

  @ApiPropertyOptional({ enum: PLAN_TYPES })
  @IsOptionalDefined()
  @IsIn(PLAN_TYPES)
  type?: PlanType;
}

export class PromoPhaseResponse {
  @ApiProperty({ enum: PROMO_PHASES }) name!: PromoPhaseName;
  @ApiProperty() startDate!: string;
  @ApiProperty() endDate!: string;
  @ApiProperty({ nullable: true, type: Number }) budget!: number | null;
}

export class PromoResponse {
  @ApiProperty({ type: [PromoPhaseResponse] }) phases!: PromoPhaseResponse[];
  @ApiProperty({ nullable: true, type: Number }) totalBudget!: number | null;
}

export class PlanResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: PLAN_TYPES }) type!: PlanType;
  @ApiProperty({ enum: PLAN_STATUSES }) status!: PlanStatus;
  @ApiProperty() dailyBudget!: number;
  @ApiProperty() targetRoi!: number;
  @ApiProperty({ enum: BID_STRATEGIES }) bidStrategy!: BidStrategy;
  @ApiProperty() minBid!: number;
  @ApiProperty() maxBid!: number;
  @ApiProperty({ nullable: true, type: 'array', items: { type: 'array', items: { type: 'number' } } }) schedule!: number[][] | null;
  @ApiProperty({ nullable: true, type: PromoResponse }) promo!: PromoResponse | null;
  @ApiProperty() version!: number;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class PlanPageResponse {
  @ApiProperty({ type: [PlanResponse] }) items!: PlanResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export function toPlanResponse(p: Plan): PlanResponse {
  return {
    id: p.id,
    name: p.name,
    type: p.type,
    status: p.status,
    dailyBudget: fenToCny(p.dailyBudgetFen),
    targetRoi: p.targetRoi,
    bidStrategy: p.bidStrategy,
    minBid: fenToCny(p.minBidFen),
    maxBid: fenToCny(p.maxBidFen),
    schedule: p.schedule,
    promo: p.promo
      ? {
          phases: p.promo.phases.map((ph) => ({
            name: ph.name,
            startDate: ph.startDate,
            endDate: ph.endDate,
            budget: ph.budgetFen === null ? null : fenToCny(ph.budgetFen),
          })),
          totalBudget: p.promo.totalBudgetFen === null ? null : fenToCny(p.promo.totalBudgetFen),
        }
      : null,
    version: p.version,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}
