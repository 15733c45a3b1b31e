import { ApiPropertyOptional } from '@nestjs/swagger';
import { decodeCursor, DEFAULT_LIMIT, MAX_LIMIT, ValidationFailedError } from '@kuaiche/domain';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_LIMIT)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

/** Resolves limit and cursor, or a 400 naming `cursor` when it is not one of ours. */
export function pageArgs(q: PageQueryDto): { limit: number; afterId?: string } {
  const afterId = decodeCursor(q.cursor);
  if (afterId === null) throw new ValidationFailedError([{ path: 'cursor', message: 'cursor is not valid; pass nextCursor from a previous page' }]);
  return { limit: q.limit ?? DEFAULT_LIMIT, afterId };
}
