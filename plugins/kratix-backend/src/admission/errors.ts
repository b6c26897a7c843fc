import {
  KratixInvalidError,
  KratixMethodNotAllowedError,
} from '@kratix-backstage/plugin-kratix-node';

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
export class InvalidObjectError extends KratixInvalidError {
  constructor(
    readonly kind: string,
    readonly objectName: string,
    causes: FieldCause[],
  ) {
    super(
      `${kind} "${objectName}" is invalid: ${causes
        .map(c => `${c.field}: ${c.message}`)
        .join(', ')}`,
      {
        name: objectName,
        kind,
        causes: causes.map(c => ({
          field: c.field,
          message: c.message,
          reason: c.reason ?? 'FieldValueInvalid',
        })),
      },
    );
  }
}

/** The kind cannot be written through the API (Works, WorkPlacements): 405. */
export class MethodNotAllowedError extends KratixMethodNotAllowedError {}
