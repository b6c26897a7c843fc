import {
  KratixAlreadyExistsError,
  KratixBadRequestError,
  KratixConflictError,
  KratixErrorDetails,
  KratixMethodNotAllowedError,
  KratixNotFoundError,
  KratixObjectError,
} from '@kratix-backstage/plugin-kratix-node';
import type { KindInfo } from '../admission/types';

/*
 * The object service's errors for one kind, in kube-apiserver's words, so
 * that a client reading the message (or kubectl) finds what it knows.
 */

/** `promises.platform.kratix.io`: how Kubernetes names a resource type. */
export function resourceName(kind: KindInfo): string {
  return kind.group ? `${kind.plural}.${kind.group}` : kind.plural;
}

export function notFound(kind: KindInfo, name: string): KratixObjectError {
  return new KratixNotFoundError(`${resourceName(kind)} "${name}" not found`, {
    name,
    group: kind.group,
    kind: kind.plural,
  });
}

export function alreadyExists(
  kind: KindInfo,
  name: string,
  cause?: unknown,
): KratixObjectError {
  return new KratixAlreadyExistsError(
    `${resourceName(kind)} "${name}" already exists`,
    { name, group: kind.group, kind: kind.plural },
    cause,
  );
}

export function conflict(
  kind: KindInfo,
  name: string,
  cause?: unknown,
): KratixObjectError {
  return new KratixConflictError(
    `Operation cannot be fulfilled on ${resourceName(
      kind,
    )} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group: kind.group, kind: kind.plural },
    cause,
  );
}

export function methodNotAllowed(kind?: KindInfo): KratixObjectError {
  return new KratixMethodNotAllowedError(
    kind
      ? `${resourceName(
          kind,
        )} are written only by the Kratix engine: the server does not allow this method on the requested resource`
      : 'the server does not allow this method on the requested resource',
    kind ? { group: kind.group, kind: kind.plural } : undefined,
  );
}

export function badRequest(message: string, details?: KratixErrorDetails) {
  return new KratixBadRequestError(message, details);
}
