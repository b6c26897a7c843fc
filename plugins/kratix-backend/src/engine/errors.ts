import { CustomErrorBase } from '@backstage/errors';

/** One failing field of an object, Kubernetes `StatusCause` style. */
export interface FieldCause {
  /** e.g. `spec.enableDataCollection` or `metadata.labels` */
  field: string;
  message: string;
  /** Kubernetes cause reason, e.g. `FieldValueInvalid`, `FieldValueRequired`. */
  reason?: string;
}

/**
 * The object is well-formed YAML/JSON but fails validation: answered as HTTP
 * 422 with reason `Invalid`, like the Kubernetes API server does.
 */
export class InvalidObjectError extends CustomErrorBase {
  name = 'InvalidObjectError' as const;
  constructor(
    readonly kind: string,
    readonly objectName: string,
    readonly causes: FieldCause[],
  ) {
    super(
      `${kind} "${objectName}" is invalid: ${causes
        .map(c => `${c.field}: ${c.message}`)
        .join(', ')}`,
    );
  }
}

/** The object exists already: HTTP 409 with reason `AlreadyExists`. */
export class AlreadyExistsError extends CustomErrorBase {
  name = 'AlreadyExistsError' as const;
}

/** The write is based on a stale resourceVersion: HTTP 409, reason `Conflict`. */
export class ResourceVersionConflictError extends CustomErrorBase {
  name = 'ResourceVersionConflictError' as const;
}

/** The kind cannot be written through the API (Works, WorkPlacements): 405. */
export class MethodNotAllowedError extends CustomErrorBase {
  name = 'MethodNotAllowedError' as const;
}
