/**
 * Errors the use cases raise. The API's problem+json filter maps each to its status; the
 * worker logs them. Messages are written for the seller reading the response.
 */
export interface FieldError {
  /** Path of the offending field in the request, e.g. `items[3].bid`. */
  path: string;
  message: string;
  /** For file imports: the line (1-based, as an editor shows it) and the column header. */
  line?: number;
  column?: string | null;
}

export abstract class DomainError extends Error {
  abstract readonly status: number;
  abstract readonly title: string;
}

export class NotFoundError extends DomainError {
  readonly status = 404;
  readonly title = 'Not Found';
  constructor(resource: string) {
    super(`${resource} not found`);
  }
}

export class ConflictError extends DomainError {
  readonly status = 409;
  readonly title = 'Conflict';
}

export class PreconditionFailedError extends DomainError {
  readonly status = 412;
  readonly title = 'Precondition Failed';
}

export class UnprocessableError extends DomainError {
  readonly status = 422;
  readonly title = 'Unprocessable Content';
}

export class ValidationFailedError extends DomainError {
  readonly status = 400;
  readonly title = 'Validation failed';
  constructor(
    readonly errors: FieldError[],
    detail = `${errors.length} invalid field${errors.length === 1 ? '' : 's'}: ${errors
      .slice(0, 5)
      .map((e) => e.path)
      .join(', ')}${errors.length > 5 ? ', ...' : ''}`,
  ) {
    super(detail);
  }
}
