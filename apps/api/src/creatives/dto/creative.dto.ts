import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { type Creative, CREATIVE_STATUSES, type CreativeStatus, LIMITS } from '@kuaiche/domain';
import { Transform } from 'class-transformer';
import { IsIn, IsString, IsUrl } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { IsOptionalDefined, IsStorableText, TextLength, trim } from '../../common/validators';

const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };

export class CreateCreativeDto {
  @ApiProperty({ minLength: 1, maxLength: LIMITS.titleChars, description: 'ad title (文案), at most 30 characters' })
  @Transform(trim)
  @IsString()
  @IsStorableText()
  @TextLength(1, LIMITS.titleChars)
  title!: string;

  @ApiProperty({ description: 'main image (主图) URL, http(s); at least 800x800 px by the platform rules' })
  @IsString()
  @IsStorableText()
  @TextLength(0, 2048)
  @IsUrl(URL_OPTIONS, { message: 'imageUrl must be an http(s) URL' })
  imageUrl!: string;

  @ApiPropertyOptional({ enum: ['active', 'paused'], default: 'active' })
  @IsOptionalDefined()
  @IsIn(['active', 'paused'])
  status?: CreativeStatus;
}

export class UpdateCreativeDto {
  @ApiPropertyOptional({ maxLength: LIMITS.titleChars })
  @IsOptionalDefined()
  @Transform(trim)
  @IsString()
  @IsStorableText()
  @TextLength(1, LIMITS.titleChars)
  title?: string;

  @ApiPropertyOptional()
  @IsOptionalDefined()
  @IsString()
  @IsStorableText()
  @TextLength(0, 2048)
  @IsUrl(URL_OPTIONS, { message: 'imageUrl must be an http(s) URL' })
  imageUrl?: string;

  @ApiPropertyOptional({ enum: CREATIVE_STATUSES, description: 'deleted is final' })
  @IsOptionalDefined()
  @IsIn(CREATIVE_STATUSES)
  status?: CreativeStatus;
}

export class ListCreativesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: CREATIVE_STATUSES, description: 'default: all but deleted' })
  @IsOptionalDefined()
  @IsIn(CREATIVE_STATUSES)
  status?: CreativeStatus;
}

export class CreativeResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) unitId!: string;
  @ApiProperty({ format: 'uuid' }) planId!: string;
  @ApiProperty() title!: string;
  @ApiProperty() imageUrl!: string;
  @ApiProperty({ enum: CREATIVE_STATUSES }) status!: CreativeStatus;
  @ApiProperty() version!: number;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class CreativePageResponse {
  @ApiProperty({ type: [CreativeResponse] }) items!: CreativeResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export function toCreativeResponse(c: Creative): CreativeResponse {
  return {
    id: c.id,
    unitId: c.unitId,
    planId: c.planId,
    title: c.title,
    imageUrl: c.imageUrl,
    status: c.status,
    version: c.version,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}
