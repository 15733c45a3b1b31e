import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { EXPERIMENT_METRICS, EXPERIMENT_MODES, EXPERIMENT_STATUSES, type ExperimentMetric, type ExperimentMode, type ExperimentStatus } from '@kuaiche/domain';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsNumber, IsString, IsUUID, Matches, Max, Min } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { IsOptionalDefined } from '../../common/validators';
import { HOUR_RE } from '../../optimization/dto/optimization.dto';

const HOUR_MESSAGE = 'must be ISO 8601 with an offset at a whole hour, e.g. 2026-06-18T20:00:00+08:00';

export class CreateExperimentDto {
  @ApiProperty({ type: [String], format: 'uuid', minItems: 2, maxItems: 5, description: 'active creatives of the unit, each once' })
  @IsArray({ message: 'creativeIds must be an array of 2 to 5 creative ids' })
  @ArrayMinSize(2, { message: 'creativeIds must hold at least 2 creatives' })
  @ArrayMaxSize(5, { message: 'creativeIds may hold at most 5 creatives' })
  @IsUUID('all', { each: true, message: 'each of creativeIds must be a UUID' })
  creativeIds!: string[];

  @ApiPropertyOptional({ enum: EXPERIMENT_MODES, default: 'bandit', description: 'equal: even split until the sequential test decides; bandit: Thompson sampling' })
  @IsOptionalDefined()
  @IsIn(EXPERIMENT_MODES)
  mode?: ExperimentMode;

  @ApiPropertyOptional({ enum: EXPERIMENT_METRICS, default: 'ctr', description: 'value: CTR x CVR x order value per impression' })
  @IsOptionalDefined()
  @IsIn(EXPERIMENT_METRICS)
  metric?: ExperimentMetric;

  @ApiPropertyOptional({ default: false, description: 'pause the losing creatives once decided' })
  @IsOptionalDefined()
  @IsBoolean({ message: 'pauseLosers must be true or false' })
  pauseLosers?: boolean;

  @ApiPropertyOptional({ default: false, description: "reopen exploration when the winner's CTR falls (fatigue)" })
  @IsOptionalDefined()
  @IsBoolean({ message: 'reopenOnFatigue must be true or false' })
  reopenOnFatigue?: boolean;

  @ApiPropertyOptional({ minimum: 0, maximum: 0.2, default: 0.05, description: 'least serving weight of each creative before the decision (bandit mode)' })
  @IsOptionalDefined()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'floor must be a number from 0 to 0.2' })
  @Min(0, { message: 'floor must be a number from 0 to 0.2' })
  @Max(0.2, { message: 'floor must be a number from 0 to 0.2' })
  floor?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 90, description: 'stop without a winner after this many days when nothing is significant' })
  @IsOptionalDefined()
  @IsInt({ message: 'maxDays must be a whole number of days from 1 to 90' })
  @Min(1, { message: 'maxDays must be a whole number of days from 1 to 90' })
  @Max(90, { message: 'maxDays must be a whole number of days from 1 to 90' })
  maxDays?: number;

  @ApiPropertyOptional({ example: '2026-06-18T00:00:00+08:00', description: 'first hour whose stats count; default: the current hour' })
  @IsOptionalDefined()
  @IsString()
  @Matches(HOUR_RE, { message: `startAt ${HOUR_MESSAGE}` })
  startAt?: string;
}

export class RotateBodyDto {
  @ApiProperty({ example: '2026-06-18T20:00:00+08:00', description: 'the hour the weights are for; the stats of the hours before it are used' })
  @IsString()
  @Matches(HOUR_RE, { message: `asOf ${HOUR_MESSAGE}` })
  asOf!: string;
}

export class ListExperimentsQueryDto extends PageQueryDto {}

export class ExperimentResultResponse {
  @ApiProperty({ format: 'uuid' }) creativeId!: string;
  @ApiProperty() impressions!: number;
  @ApiProperty() clicks!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'observed clicks / impressions' }) ctr!: number | null;
  @ApiProperty({ type: [Number], description: '95% credible interval of the CTR (Beta posterior)' }) ctrInterval!: [number, number];
  @ApiProperty() orders!: number;
  @ApiProperty({ description: 'CNY' }) gmv!: number;
  @ApiProperty({ description: 'posterior mean of CTR x CVR x order value, CNY per impression' }) valuePerImpression!: number;
  @ApiPropertyOptional({ nullable: true, type: [Number], description: 'value metric: 95% credible interval of the value per impression (CNY)' }) valueInterval!: [number, number] | null;
  @ApiProperty({ description: 'posterior probability that this creative is the best' }) probBest!: number;
  @ApiProperty({ description: 'current serving weight' }) weight!: number;
}

export class ExperimentResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) planId!: string;
  @ApiProperty({ format: 'uuid' }) unitId!: string;
  @ApiProperty({ type: [String] }) creativeIds!: string[];
  @ApiProperty({ enum: EXPERIMENT_MODES }) mode!: ExperimentMode;
  @ApiProperty({ enum: EXPERIMENT_METRICS }) metric!: ExperimentMetric;
  @ApiProperty({ enum: EXPERIMENT_STATUSES }) status!: ExperimentStatus;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) winnerId!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, description: 'by creative id; sums to 1' }) servingWeights!: Record<string, number>;
  @ApiProperty() floor!: number;
  @ApiProperty() pauseLosers!: boolean;
  @ApiProperty() reopenOnFatigue!: boolean;
  @ApiProperty({ nullable: true, type: Number }) maxDays!: number | null;
  @ApiProperty({ description: 'first hour whose stats count (moves forward when fatigue reopens the test)' }) startAt!: string;
  @ApiProperty({ nullable: true, type: String, description: 'the hour of the last rotation: the results are as of it' }) asOf!: string | null;
  @ApiProperty({ type: [ExperimentResultResponse] }) results!: ExperimentResultResponse[];
  @ApiProperty({ nullable: true, type: Object, description: 'the decision and why (or, while running, what it still needs)' }) decision!: Record<string, unknown> | null;
  @ApiProperty() version!: number;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) decidedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) fatiguedAt!: string | null;
}

export class RotateResponse {
  @ApiProperty({ description: 'false when this hour had already been rotated: nothing changed' }) rotated!: boolean;
  @ApiProperty({ type: ExperimentResponse }) experiment!: ExperimentResponse;
}

export class ExperimentPageResponse {
  @ApiProperty({ type: [ExperimentResponse] }) items!: ExperimentResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
