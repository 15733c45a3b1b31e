import { type FieldError } from '@kuaiche/domain';

/** RFC 9457 problem details, the body of every error response. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
  errorId?: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const SLUGS: Record<number, string> = {
  400: 'validation-failed',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  409: 'conflict',
  412: 'precondition-failed',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  422: 'unprocessable',
  429: 'too-many-requests',
  500: 'internal-error',
  503: 'service-unavailable',
};

export function problemType(status: number): string {
  return `https://kuaiche-pilot.dev/problems/${SLUGS[status] ?? `http-${status}`}`;
}

/** An error that already knows its HTTP shape (thrown by guards, pipes and interceptors). */
export class ProblemException extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
  ) {
    super(detail ?? title);
  }
}
