import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { type Advertiser } from '@kuaiche/domain';
import { AdminOnly, CurrentAdvertiser } from '../common/auth';
import { AdvertisersService } from './advertisers.service';
import { AdvertiserResponse, CreateAdvertiserDto, CreatedAdvertiserResponse, toAdvertiserResponse } from './dto/advertiser.dto';

@ApiTags('advertisers')
@ApiBearerAuth()
@Controller('v1')
export class AdvertisersController {
  constructor(private readonly service: AdvertisersService) {}

  @Post('advertisers')
  @AdminOnly()
  @ApiCreatedResponse({ type: CreatedAdvertiserResponse, description: 'Operator only (ADMIN_TOKEN). The API key is shown once.' })
  create(@Body() dto: CreateAdvertiserDto): Promise<CreatedAdvertiserResponse> {
    return this.service.create(dto);
  }

  @Get('me')
  @ApiOkResponse({ type: AdvertiserResponse })
  me(@CurrentAdvertiser() advertiser: Advertiser): AdvertiserResponse {
    return toAdvertiserResponse(advertiser);
  }
}
