import { ValidationPipe } from '@nestjs/common';
import { type FieldError, ValidationFailedError } from '@kuaiche/domain';
import { type ClassConstructor, plainToInstance } from 'class-transformer';
import { validateSync, ValidationError, type ValidatorOptions } from 'class-validator';

export const VALIDATOR_OPTIONS: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  stopAtFirstError: false,
};

function joinPath(parent: string, property: string): string {
  if (/^\d+$/.test(property)) return `${parent}[${property}]`;
  return parent ? `${parent}.${property}` : property;
}

/**
 * Flattens class-validator's tree into `{ path, message }` with paths like `items[3].bid`,
 * one entry per field (its messages joined).
 */
export function flattenValidationErrors(errors: ValidationError[], prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const path = joinPath(prefix, e.property) || '(body)';
    const messages = Object.values(e.constraints ?? {}).map((m) => m.replace(/^property (\S+) should not exist$/, 'unknown field $1'));
    if (messages.length) out.push({ path, message: messages.join('; ') });
    if (e.children?.length) out.push(...flattenValidationErrors(e.children, path));
  }
  return out;
}

export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    ...VALIDATOR_OPTIONS,
    transform: true,
    transformOptions: { enableImplicitConversion: false, exposeDefaultValues: false },
    exceptionFactory: (errors) => new ValidationFailedError(flattenValidationErrors(errors)),
  });
}

/**
 * Validates one item of a bulk request on its own, so a bad item becomes an item error
 * instead of failing the request. Paths come out prefixed, e.g. `items[2].bid`.
 */
export function validateItem<T extends object>(cls: ClassConstructor<T>, plain: unknown, prefix: string): { value?: T; errors: FieldError[] } {
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) {
    return { errors: [{ path: prefix, message: 'must be an object' }] };
  }
  // JSON.parse makes "__proto__" an own key; copied onto an instance it would become its
  // prototype and smuggle values past the whitelist.
  // The body pipe's copy of a bulk body may already have turned such a key into the item's
  // prototype: an item whose prototype is not Object's came from one.
  if (Object.getPrototypeOf(plain) !== Object.prototype) return { errors: [{ path: `${prefix}.__proto__`, message: 'unknown field __proto__' }] };
  const forbidden = Object.keys(plain).filter((k) => k === '__proto__' || k === 'constructor' || k === 'prototype');
  if (forbidden.length) return { errors: forbidden.map((k) => ({ path: `${prefix}.${k}`, message: `unknown field ${k}` })) };
  const value = plainToInstance(cls, plain, { enableImplicitConversion: false });
  const errors = validateSync(value, VALIDATOR_OPTIONS);
  if (errors.length) return { errors: flattenValidationErrors(errors, prefix) };
  return { value, errors: [] };
}
