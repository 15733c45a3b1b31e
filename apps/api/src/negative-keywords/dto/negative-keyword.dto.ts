import { ApiProperty } from '@nestjs/swagger';
import { NEGATIVE_MATCH_TYPES, type NegativeKeyword, type NegativeMatchType } from '@kuaiche/domain';
import { Transform } from 'class-transformer';
import { IsIn, IsString } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { IsStorableText, TextLength, trim } from '../../common/validators';

export class CreateNegativeKeywordDto {
  @ApiProperty({ minLength: 1, maxLength: 60 })
  @Transform(trim)
  @IsString()
  @IsStorableText()
  @TextLength(1, 60)
  text!: string;

  @ApiProperty({ enum: NEGATIVE_MATCH_TYPES, description: 'exact: exclude this query; phrase: exclude queries containing it' })
  @IsIn(NEGATIVE_MATCH_TYPES)
  matchType!: NegativeMatchType;
}

export class ListNegativeKeywordsQueryDto extends PageQueryDto {}

export class NegativeKeywordResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) unitId!: string;
  @ApiProperty({ format: 'uuid' }) planId!: string;
  @ApiProperty() text!: string;
  @ApiProperty({ enum: NEGATIVE_MATCH_TYPES }) matchType!: NegativeMatchType;
  @ApiProperty() createdAt!: string;
}

export class NegativeKeywordPageResponse {
  @ApiProperty({ type: [NegativeKeywordResponse] }) items!: NegativeKeywordResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export function toNegativeKeywordResponse(n: NegativeKeyword): NegativeKeywordResponse {
  return { id: n.id, unitId: n.unitId, planId: n.planId, text: n.text, matchType: n.matchType, createdAt: n.createdAt.toISOString() };
}
