import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { type FieldError, LIMITS, ValidationFailedError } from '@kuaiche/domain';
import { Transform } from 'class-transformer';
import { IsBoolean } from 'class-validator';
import type { Request } from 'express';
import { IsOptionalDefined } from './validators';

/** OpenAPI shape of `{ items: [...] }`; the body is read by `@BulkItems`, not a class pipe. */
export class BulkBodyDto {
  @ApiProperty({ type: 'array', items: { type: 'object' }, minItems: 1, maxItems: LIMITS.bulkItems })
  items!: unknown[];
}

/**
 * The list of a bulk body (`{ items: [...] }` or `{ rows: [...] }`), checked for shape only:
 * each entry is validated on its own by the use case, so one bad entry is an item error. Read
 * straight from the parsed JSON because the global ValidationPipe would first deep-copy every
 * entry through class-transformer (about 200 ms for 50,000 stat rows) for nothing.
 */
export function readBulkList(body: unknown, key: string, max: number): unknown[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationFailedError([{ path: '(body)', message: `the body must be a JSON object { ${key}: [...] }` }]);
  }
  const errors: FieldError[] = Object.keys(body)
    .filter((k) => k !== key)
    .map((k) => ({ path: k, message: `unknown field ${k}` }));
  const list = (body as Record<string, unknown>)[key];
  if (!Array.isArray(list)) errors.push({ path: key, message: `${key} must be an array` });
  else if (list.length < 1) errors.push({ path: key, message: `${key} must contain at least 1 elements` });
  else if (list.length > max) errors.push({ path: key, message: `${key} may hold at most ${max} entries` });
  if (errors.length) throw new ValidationFailedError(errors);
  return list as unknown[];
}

/** Handler parameter: the entries of a bulk body (see readBulkList). */
export const BulkItems = createParamDecorator((opts: { key: string; max: number }, ctx: ExecutionContext): unknown[] =>
  readBulkList(ctx.switchToHttp().getRequest<Request>().body, opts.key, opts.max),
);

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
