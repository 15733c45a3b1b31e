import { Injectable } from '@nestjs/common';
import { AdvertisersRepository, DEFAULT_PLATFORM, newId } from '@kuaiche/domain';
import { generateApiKey, hashApiKey } from '../common/auth';
import { CreateAdvertiserDto, CreatedAdvertiserResponse, toAdvertiserResponse } from './dto/advertiser.dto';

@Injectable()
export class AdvertisersService {
  constructor(private readonly advertisers: AdvertisersRepository) {}

  async create(dto: CreateAdvertiserDto): Promise<CreatedAdvertiserResponse> {
    const apiKey = generateApiKey();
    const a = await this.advertisers.create({
      id: newId(),
      name: dto.name,
      timezone: dto.timezone ?? 'Asia/Shanghai',
      clock: dto.clock ?? 'wall',
      platform: dto.platform ?? DEFAULT_PLATFORM,
      apiKeyHash: hashApiKey(apiKey),
    });
    return { ...toAdvertiserResponse(a), apiKey };
  }
}
