import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { hasAtMostTwoDecimals } from '@kuaiche/domain';
import { registerDecorator, ValidateIf, type ValidationArguments, type ValidationOptions } from 'class-validator';

/** CNY amount: a JSON number, finite, at most 2 decimals, within [min, max]. */
export function IsMoney(min: number, max: number, options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isMoney',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (v: unknown) => typeof v === 'number' && hasAtMostTwoDecimals(v) && v >= min && v <= max,
        defaultMessage: (a?: ValidationArguments) =>
          typeof a?.value !== 'number'
            ? `${a?.property} must be a number (CNY)`
            : !hasAtMostTwoDecimals(a.value)
              ? `${a.property} must have at most 2 decimals`
              : `${a.property} must be between ${min.toFixed(2)} and ${max.toFixed(2)}`,
      },
    });
}

/** Swagger + validation for a money field. */
export function Money(min: number, max: number, description: string, optional = false): PropertyDecorator {
  const api = optional
    ? ApiPropertyOptional({ type: Number, minimum: min, maximum: max, multipleOf: 0.01, description })
    : ApiProperty({ type: Number, minimum: min, maximum: max, multipleOf: 0.01, description });
  return applyDecorators(...(optional ? [IsOptionalDefined()] : []), IsMoney(min, max), api);
}

/**
 * A ratio such as an ROI target: a finite positive number. Ratios are stored with 4 decimals,
 * so the floor is 0.0001 (anything smaller would be stored as 0).
 */
export function IsFinitePositive(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isFinitePositive',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0.0001 && v <= 1000,
        defaultMessage: (a?: ValidationArguments) => `${a?.property} must be a number from 0.0001 to 1000`,
      },
    });
}

/** Hour-of-week bid multipliers: 7 rows (Monday first) of 24 numbers in [0, 3]. */
export function IsSchedule(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isSchedule',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (v: unknown) =>
          Array.isArray(v) &&
          v.length === 7 &&
          v.every((row) => Array.isArray(row) && row.length === 24 && row.every((m) => typeof m === 'number' && hasAtMostTwoDecimals(m) && m >= 0 && m <= 3)),
        defaultMessage: (a?: ValidationArguments) => `${a?.property} must be 7 rows (Monday first) of 24 multipliers in [0, 3] with at most 2 decimals`,
      },
    });
}

/** An IANA time zone name that this runtime knows (e.g. Asia/Shanghai). */
export function IsTimeZone(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isTimeZone',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (v: unknown) => {
          if (typeof v !== 'string' || v.length > 64) return false;
          try {
            new Intl.DateTimeFormat('en-US', { timeZone: v });
            return true;
          } catch {
            return false;
          }
        },
        defaultMessage: (a?: ValidationArguments) => `${a?.property} must be an IANA time zone such as Asia/Shanghai`,
      },
    });
}

/** `YYYY-MM-DD` that is a real calendar date. */
export function IsCalendarDate(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isCalendarDate',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (v: unknown) => {
          if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
          const d = new Date(`${v}T00:00:00Z`);
          return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
        },
        defaultMessage: (a?: ValidationArguments) => `${a?.property} must be a date YYYY-MM-DD`,
      },
    });
}

// NUL cannot be stored in a Postgres text column, and an unpaired UTF-16 surrogate would be
// stored as U+FFFD (so two different strings could become the same one).
const UNSTORABLE_TEXT_RE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function isStorableText(s: string): boolean {
  return !UNSTORABLE_TEXT_RE.test(s);
}

/** Text that is stored as sent: no NUL characters and no unpaired surrogates (other types are IsString's to reject). */
export function IsStorableText(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isStorableText',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (v: unknown) => typeof v !== 'string' || isStorableText(v),
        defaultMessage: (a?: ValidationArguments) => `${a?.property} must not contain NUL characters or unpaired surrogates`,
      },
    });
}

/**
 * String length in code points, as Postgres' length() and char_length() count it (the CHECKs on
 * text columns). class-validator's Length counts an emoji with its variation selector (❤️) as
 * one character, so a title it accepts could break the column's CHECK.
 */
export function TextLength(min: number, max: number, options?: ValidationOptions): PropertyDecorator {
  const length = (v: string): number => [...v].length;
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'textLength',
      target: target.constructor,
      propertyName: propertyName as string,
      constraints: [min, max],
      options,
      validator: {
        validate: (v: unknown) => typeof v === 'string' && length(v) >= min && length(v) <= max,
        defaultMessage: (a?: ValidationArguments) =>
          min === 0 || (typeof a?.value === 'string' && length(a.value) > max)
            ? `${a?.property} must be shorter than or equal to ${max} characters`
            : `${a?.property} must be longer than or equal to ${min} characters`,
      },
    });
}

/** Trims strings before validation, leaving other types for the type check to reject. */
export const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/**
 * Optional but, when present, never null: `{ "bid": null }` is a 400, not "no change".
 * (class-validator's IsOptional lets null through.)
 */
export const IsOptionalDefined = (): PropertyDecorator => ValidateIf((_o: unknown, v: unknown) => v !== undefined);
