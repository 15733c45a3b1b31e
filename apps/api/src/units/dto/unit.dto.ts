import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { fenToCny, type Unit, UNIT_STATUSES, type UnitStatus } from '@kuaiche/domain';
import { Transform } from 'class-transformer';
import { IsIn, IsString } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { IsOptionalDefined, IsStorableText, Money, TextLength, trim } from '../../common/validators';

export class CreateUnitDto {
  @ApiProperty({ minLength: 1, maxLength: 100 })
  @Transform(trim)
  @IsString()
  @IsStorableText()
  @TextLength(1, 100)
  name!: string;

  @ApiProperty({ description: 'JD SKU id', example: '100012043978' })
  @Transform(trim)
  @IsString()
  @IsStorableText()
  @TextLength(1, 64)
  skuId!: string;

  @Money(0.01, 9_999_999.99, "the SKU's selling price, CNY (prior for order value)")
  skuPrice!: number;

  @ApiPropertyOptional({ enum: ['active', 'paused'], default: 'active' })
  @IsOptionalDefined()
  @IsIn(['active', 'paused'])
  status?: UnitStatus;
}

export class UpdateUnitDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 100 })
  @IsOptionalDefined()
  @Transform(trim)
  @IsString()
  @IsStorableText()
  @TextLength(1, 100)
  name?: string;

  @ApiPropertyOptional()
  @IsOptionalDefined()
  @Transform(trim)
  @IsString()
  @IsStorableText()
  @TextLength(1, 64)
  skuId?: string;

  @Money(0.01, 9_999_999.99, 'CNY', true)
  skuPrice?: number;

  @ApiPropertyOptional({ enum: UNIT_STATUSES })
  @IsOptionalDefined()
  @IsIn(UNIT_STATUSES)
  status?: UnitStatus;
}

export class ListUnitsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: UNIT_STATUSES, description: 'default: all but archived' })
  @IsOptionalDefined()
  @IsIn(UNIT_STATUSES)
  status?: UnitStatus;
}

export class UnitResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) planId!: string;
  @ApiProperty() name!: string;
  @ApiProperty() skuId!: string;
  @ApiProperty() skuPrice!: number;
  @ApiProperty({ enum: UNIT_STATUSES }) status!: UnitStatus;
  @ApiProperty() version!: number;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class UnitPageResponse {
  @ApiProperty({ type: [UnitResponse] }) items!: UnitResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export function toUnitResponse(u: Unit): UnitResponse {
  return {
    id: u.id,
    planId: u.planId,
    name: u.name,
    skuId: u.skuId,
    skuPrice: fenToCny(u.skuPriceFen),
    status: u.status,
    version: u.version,
    createdAt: u.createdAt.toISOString(),
    updatedAt: u.updatedAt.toISOString(),
  };
}
