import { KratixApiError, StatusCause } from '../api/errors';

/** What a person should read when a call failed. */
export interface ErrorDescription {
  title: string;
  message: string;
  causes: StatusCause[];
  /** The permission a 403 names, e.g. `kratix.platform.manage`. */
  permission?: string;
}

const PERMISSION_PURPOSE: Record<string, string> = {
  'kratix.object.read': 'see Kratix objects',
  'kratix.resource.request': 'request, change or delete resources',
  'kratix.platform.manage': 'change Promises, Destinations and state stores',
};

export function describeError(error: unknown): ErrorDescription {
  if (error instanceof KratixApiError) {
    const message = error.message;
    if (error.code === 403) {
      const permission = /kratix\.[a-z]+\.[a-z]+/.exec(message)?.[0];
      const purpose = permission && PERMISSION_PURPOSE[permission];
      return {
        title: 'Permission denied',
        message: permission
          ? `You need the ${permission} permission${
              purpose ? ` to ${purpose}` : ''
            }. Ask an administrator of this portal to grant it.`
          : `You are not allowed to do this: ${message}`,
        causes: [],
        permission,
      };
    }
    if (error.code === 401)
      return {
        title: 'Not signed in',
        message: `Sign in again to continue (${message}).`,
        causes: [],
      };
    if (error.code === 422)
      return { title: 'Invalid', message, causes: error.causes };
    if (error.code === 404)
      return { title: 'Not found', message, causes: [] };
    return {
      title: error.reason ?? `Error ${error.code}`,
      message,
      causes: error.causes,
    };
  }
  return {
    title: 'Error',
    message: error instanceof Error ? error.message : String(error),
    causes: [],
  };
}
