import { type PipeTransform } from '@nestjs/common';
import { isUuid, NotFoundError } from '@kuaiche/domain';

/**
 * Path ids that are not UUIDs name nothing: 404, exactly as an id that does not exist
 * (so the answer never tells a probing client more than "no such resource").
 */
class UuidPathPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isUuid(value)) throw new NotFoundError('resource');
    return value.toLowerCase();
  }
}

export const uuidPipe = new UuidPathPipe();
