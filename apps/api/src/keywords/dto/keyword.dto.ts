import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { fenToCny, fenToCnyOrNull, type Keyword, KEYWORD_STATUSES, type KeywordStatus, MATCH_TYPES, type MatchType } from '@kuaiche/domain';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsString, IsUUID, Max, Min, ValidateIf } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { IsOptionalDefined, IsStorableText, Money, TextLength, trim } from '../../common/validators';

export class CreateKeywordItemDto {
  @ApiProperty({ minLength: 1, maxLength: 60, description: 'trimmed; unique per unit with matchType' })
  @Transform(trim)
  @IsString()
  @IsStorableText()
  @TextLength(1, 60)
  text!: string;

  @ApiProperty({ enum: MATCH_TYPES })
  @IsIn(MATCH_TYPES)
  matchType!: MatchType;

  @Money(0.3, 999.99, "max CPC in CNY; also within the plan's [minBid, maxBid]")
  bid!: number;

  @ApiPropertyOptional({ enum: ['active', 'paused'], default: 'active' })
  @IsOptionalDefined()
  @IsIn(['active', 'paused'])
  status?: KeywordStatus;

  @ApiPropertyOptional({ default: false, description: 'true: the optimizer never changes this bid' })
  @IsOptionalDefined()
  @IsBoolean()
  locked?: boolean;

  @Money(0, 999.99, "the platform's suggested bid, CNY", true)
  suggestedBid?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 10, description: "the platform's quality score (质量分)" })
  @IsOptionalDefined()
  @IsInt()
  @Min(1)
  @Max(10)
  qualityScore?: number;
}

export class CreateKeywordItemWithUnitDto extends CreateKeywordItemDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all')
  unitId!: string;
}

export class UpdateKeywordDto {
  @Money(0.3, 999.99, 'CNY', true)
  bid?: number;

  @ApiPropertyOptional({ enum: KEYWORD_STATUSES, description: 'deleted is final' })
  @IsOptionalDefined()
  @IsIn(KEYWORD_STATUSES)
  status?: KeywordStatus;

  @ApiPropertyOptional()
  @IsOptionalDefined()
  @IsBoolean()
  locked?: boolean;

  @ApiPropertyOptional({ nullable: true, type: Number })
  @ValidateIf((_o, v) => v !== undefined && v !== null)
  @Money(0, 999.99, 'CNY; null clears')
  suggestedBid?: number | null;

  @ApiPropertyOptional({ nullable: true, type: Number, minimum: 1, maximum: 10 })
  @ValidateIf((_o, v) => v !== undefined && v !== null)
  @IsInt()
  @Min(1)
  @Max(10)
  qualityScore?: number | null;
}

export class BulkUpdateKeywordItemDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all')
  id!: string;

  @Money(0.3, 999.99, 'CNY', true)
  bid?: number;

  @ApiPropertyOptional({ enum: KEYWORD_STATUSES })
  @IsOptionalDefined()
  @IsIn(KEYWORD_STATUSES)
  status?: KeywordStatus;

  @ApiPropertyOptional()
  @IsOptionalDefined()
  @IsBoolean()
  locked?: boolean;

  @ApiPropertyOptional({ description: 'version last read; the item fails if it moved' })
  @IsOptionalDefined()
  @IsInt()
  @Min(1)
  version?: number;
}

export class ListKeywordsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptionalDefined()
  @IsUUID('all')
  planId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptionalDefined()
  @IsUUID('all')
  unitId?: string;

  @ApiPropertyOptional({ enum: KEYWORD_STATUSES, description: 'default: all but deleted; active excludes archived plans and units' })
  @IsOptionalDefined()
  @IsString()
  @IsIn(KEYWORD_STATUSES)
  status?: KeywordStatus;
}

export class KeywordResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) unitId!: string;
  @ApiProperty({ format: 'uuid' }) planId!: string;
  @ApiProperty() text!: string;
  @ApiProperty({ enum: MATCH_TYPES }) matchType!: MatchType;
  @ApiProperty() bid!: number;
  @ApiProperty({ enum: KEYWORD_STATUSES }) status!: KeywordStatus;
  @ApiProperty() locked!: boolean;
  @ApiProperty({ nullable: true, type: Number }) suggestedBid!: number | null;
  @ApiProperty({ nullable: true, type: Number }) qualityScore!: number | null;
  @ApiProperty() version!: number;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class KeywordPageResponse {
  @ApiProperty({ type: [KeywordResponse] }) items!: KeywordResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export function toKeywordResponse(k: Keyword): KeywordResponse {
  return {
    id: k.id,
    unitId: k.unitId,
    planId: k.planId,
    text: k.text,
    matchType: k.matchType,
    bid: fenToCny(k.bidFen),
    status: k.status,
    locked: k.locked,
    suggestedBid: fenToCnyOrNull(k.suggestedBidFen),
    qualityScore: k.qualityScore,
    version: k.version,
    createdAt: k.createdAt.toISOString(),
    updatedAt: k.updatedAt.toISOString(),
  };
}
