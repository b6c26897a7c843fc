import type { LoggerService } from '@backstage/backend-plugin-api';
import { isError } from '@backstage/errors';
import {
  KratixFieldCause,
  KratixObjectError,
} from '@kratix-backstage/plugin-kratix-node';
import type { ErrorRequestHandler, RequestHandler } from 'express';

/** One failing field, as in Kubernetes' `StatusCause`. */
export type StatusCause = KratixFieldCause;

/**
 * Kubernetes `StatusDetails`, plus room for extra keys (the apply endpoint
 * adds the failing document and what was applied before it).
 */
export interface StatusDetails {
  name?: string;
  group?: string;
  /** The resource (plural) for NotFound/AlreadyExists, the Kind for Invalid. */
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  [key: string]: unknown;
}

/** A Kubernetes `Status` object, as every error (and some deletes) answer. */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: {};
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  code: number;
  details?: StatusDetails;
}

/**
 * An error that already knows its Kubernetes answer but has no domain
 * class of its own (415, 413, an unknown route). The object service's
 * cases are the `Kratix*Error` classes of kratix-node, which this extends
 * the base of, so one `instanceof KratixObjectError` maps them all.
 */
export class StatusError extends KratixObjectError {}

export function unsupportedMediaType(
  contentType: string | undefined,
  supported: string[],
): StatusError {
  return new StatusError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${supported.join(
      ', ',
    )}${contentType ? ` (got ${contentType})` : ''}`,
  );
}

/** The route exists in no form: Kubernetes' answer for an unknown path. */
export function routeNotFound(): StatusError {
  return new StatusError(
    404,
    'NotFound',
    'the server could not find the requested resource',
  );
}

export function failure(
  code: number,
  reason: string,
  message: string,
  details?: StatusDetails,
): Status {
  const status: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  };
  if (details && Object.keys(details).length > 0) {
    status.details = details;
  }
  return status;
}

export function success(details?: StatusDetails): Status {
  const status: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    code: 200,
  };
  if (details) {
    status.details = details;
  }
  return status;
}

/** body-parser's HTTP errors carry `type` and `status`. */
function bodyParserStatus(error: Record<string, unknown>): Status | undefined {
  const message = String(error.message);
  switch (error.type) {
    case 'entity.parse.failed':
      return failure(
        400,
        'BadRequest',
        `invalid JSON in request body: ${message}`,
      );
    case 'entity.too.large':
      return failure(
        413,
        'RequestEntityTooLarge',
        typeof error.limit === 'number'
          ? `request entity too large: the body${
              typeof error.length === 'number'
                ? ` has ${error.length} bytes,`
                : ' is'
            } more than the limit of ${error.limit} bytes`
          : `request entity too large: ${message}`,
      );
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return failure(415, 'UnsupportedMediaType', message);
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'stream.not.readable':
      return failure(400, 'BadRequest', message);
    default:
      return undefined;
  }
}

/**
 * Maps any thrown value to a Kubernetes `Status`. The object service's
 * errors (and this module's) by class: each knows its code and reason.
 * What Express, body-parser and Backstage's own services throw, by name,
 * as Backstage's error handler does, so that any copy of
 * `@backstage/errors` maps the same way.
 */
export function toStatus(error: unknown): Status {
  if (error instanceof KratixObjectError) {
    return failure(error.code, error.reason, error.message, error.details);
  }
  if (!isError(error)) {
    return failure(500, 'InternalError', 'Internal error occurred');
  }
  if (typeof error.type === 'string') {
    const status = bodyParserStatus(error);
    if (status) return status;
  }
  switch (error.name) {
    case 'URIError':
      // Express could not decode a path parameter (`%ZZ`).
      return failure(400, 'BadRequest', error.message);
    case 'InputError':
      return failure(400, 'BadRequest', error.message);
    case 'AuthenticationError':
      return failure(401, 'Unauthorized', error.message);
    case 'NotAllowedError':
      return failure(403, 'Forbidden', error.message);
    case 'NotFoundError':
      return failure(404, 'NotFound', error.message);
    case 'ConflictError':
      return failure(409, 'Conflict', error.message);
    case 'NotImplementedError':
      return failure(501, 'NotImplemented', error.message);
    case 'ServiceUnavailableError':
      return failure(503, 'ServiceUnavailable', error.message);
    default:
      return failure(
        500,
        'InternalError',
        `Internal error occurred: ${error.message}`,
      );
  }
}

/** Express error handler answering every error as a Kubernetes `Status`. */
export function statusErrorHandler(logger: LoggerService): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const status = toStatus(error);
    if (status.code >= 500) {
      const original =
        isError(error) && isError(error.cause) ? error.cause : error;
      logger.error(
        `${req.method} ${req.originalUrl} failed: ${status.message}`,
        original instanceof Error ? original : undefined,
      );
    } else {
      logger.debug(
        `${req.method} ${req.originalUrl}: ${status.code} ${status.reason}: ${status.message}`,
      );
    }
    res.status(status.code).json(status);
  };
}

/** Last route: anything unmatched is a 404 `Status`. */
export const notFoundHandler: RequestHandler = (_req, _res, next) => {
  next(routeNotFound());
};
