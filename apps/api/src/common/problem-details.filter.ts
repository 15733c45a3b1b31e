import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { DomainError, type FieldError, ValidationFailedError } from '@kuaiche/domain';
import { randomUUID } from 'crypto';
import type { Request, Response } from 'express';
import { type Problem, PROBLEM_CONTENT_TYPE, ProblemException, problemType } from './problem';

const STATUS_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * Turns every error into RFC 9457 problem+json. 5xx responses carry an `errorId` that is also
 * in the log line; nothing of the stack or the SQL leaves the process.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request>();
    const problem = this.toProblem(exception, req);
    if (problem.status >= 500) {
      problem.errorId = randomUUID();
      this.logger.error({ errorId: problem.errorId, err: exception, path: req?.url }, 'request failed');
    }
    if (res.headersSent) return;
    res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
  }

  toProblem(exception: unknown, req?: Request): Problem {
    const instance = req?.originalUrl?.split('?')[0];
    const make = (status: number, title: string, detail?: string, errors?: FieldError[]): Problem => ({
      type: problemType(status),
      title,
      status,
      ...(detail ? { detail } : {}),
      ...(instance ? { instance } : {}),
      ...(errors ? { errors } : {}),
    });

    if (exception instanceof ValidationFailedError) return make(400, exception.title, exception.message, exception.errors);
    if (exception instanceof DomainError) return make(exception.status, exception.title, exception.message);
    if (exception instanceof ProblemException) return make(exception.status, exception.title, exception.detail, exception.errors);
    // Express' body parsers fail before any handler runs; Nest wraps their errors in an
    // HttpException whose cause says what went wrong with the body.
    const bodyError = (exception instanceof HttpException ? exception.cause : exception) as
      | { type?: string; status?: number; statusCode?: number; expose?: boolean; message?: string }
      | undefined;
    if (bodyError && typeof bodyError.type === 'string') {
      if (bodyError.type === 'entity.parse.failed') return make(400, 'Malformed JSON', 'the request body is not valid JSON', [{ path: '(body)', message: 'invalid JSON' }]);
      if (bodyError.type === 'entity.too.large') return make(413, STATUS_TITLES[413], 'the request body exceeds 20 MB');
      if (bodyError.type === 'encoding.unsupported' || bodyError.type === 'charset.unsupported') return make(415, STATUS_TITLES[415], bodyError.message);
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const detail = typeof body === 'string' ? body : typeof (body as { message?: unknown }).message === 'string' ? (body as { message: string }).message : exception.message;
      return make(status, STATUS_TITLES[status] ?? 'Error', status === 404 && /^Cannot /.test(detail) ? 'no such route' : detail);
    }
    const status = bodyError?.status ?? bodyError?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500 && bodyError?.expose !== false) {
      return make(status, STATUS_TITLES[status] ?? 'Bad Request', bodyError?.message);
    }
    return make(500, STATUS_TITLES[500], 'an unexpected error occurred; quote the errorId when reporting it');
  }
}
