import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { type FieldError, LIMITS } from '@kuaiche/domain';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean } from 'class-validator';
import { IsOptionalDefined } from './validators';

/** `{ items: [...] }`; each item is validated on its own so one bad item is an item error. */
export class BulkBodyDto {
  @ApiProperty({ type: 'array', items: { type: 'object' }, maxItems: LIMITS.bulkItems })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(LIMITS.bulkItems, { message: `items may hold at most ${LIMITS.bulkItems} entries` })
  items!: unknown[];
}

export class AtomicQueryDto {
  @ApiPropertyOptional({ description: 'true: any item failure rolls the whole request back (400 with every item error)' })
  @IsOptionalDefined()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'atomic must be true or false' })
  atomic?: boolean;
}

export class FieldErrorResponse {
  @ApiProperty({ example: 'items[3].bid' }) path!: string;
  @ApiProperty() message!: string;
}

export class BulkItemResult {
  @ApiProperty() index!: number;
  @ApiProperty() ok!: boolean;
  @ApiPropertyOptional({ format: 'uuid' }) id?: string;
  @ApiPropertyOptional({ type: [FieldErrorResponse] }) errors?: FieldError[];
}

export class BulkResultResponse {
  @ApiProperty({ type: [BulkItemResult] }) results!: BulkItemResult[];
}
