import {
  KratixAlreadyExistsError,
  KratixConflictError,
} from '@kratix-backstage/plugin-kratix-node';

/** The object exists already: HTTP 409 with reason `AlreadyExists`. */
export class AlreadyExistsError extends KratixAlreadyExistsError {}

/** The write is based on a stale resourceVersion: HTTP 409, reason `Conflict`. */
export class ResourceVersionConflictError extends KratixConflictError {}
