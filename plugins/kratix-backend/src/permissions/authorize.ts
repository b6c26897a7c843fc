import type {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  BasicPermission,
} from '@backstage/plugin-permission-common';
import {
  KRATIX_GROUP,
  kratixPlatformManagePermission,
  kratixResourceRequestPermission,
  parseApiVersion,
} from '@kratix-backstage/plugin-kratix-common';
import type { KindInfo } from '../admission/types';
import { KratixForbiddenError } from '@kratix-backstage/plugin-kratix-node';

/**
 * Writing a kind a Promise defines is a resource request (developers);
 * writing Kratix's own kinds is platform management.
 */
export function writePermissionForKind(kind: KindInfo): BasicPermission {
  return kind.promiseName !== undefined || kind.group !== KRATIX_GROUP
    ? kratixResourceRequestPermission
    : kratixPlatformManagePermission;
}

/** The same rule from an apiVersion alone, before the kind is known. */
export function writePermissionForApiVersion(
  apiVersion: string,
): BasicPermission {
  const { group } = parseApiVersion(apiVersion);
  return group === KRATIX_GROUP
    ? kratixPlatformManagePermission
    : kratixResourceRequestPermission;
}

export function describePrincipal(credentials: BackstageCredentials): string {
  const principal = credentials.principal as {
    type?: string;
    userEntityRef?: string;
    subject?: string;
  };
  if (principal.type === 'user') return `user "${principal.userEntityRef}"`;
  if (principal.type === 'service') return `service "${principal.subject}"`;
  return 'anonymous caller';
}

/**
 * Asks the permission framework about every given permission at once;
 * any DENY answers 403 Forbidden.
 */
export async function authorize(
  permissions: PermissionsService,
  credentials: BackstageCredentials,
  wanted: BasicPermission[],
  resource?: string,
): Promise<void> {
  const unique = [...new Map(wanted.map(p => [p.name, p])).values()];
  if (unique.length === 0) return;
  const decisions = await permissions.authorize(
    unique.map(permission => ({ permission })),
    { credentials },
  );
  const denied = unique.filter(
    (_, i) => decisions[i]?.result !== AuthorizeResult.ALLOW,
  );
  if (denied.length > 0) {
    throw new KratixForbiddenError(
      `${resource ? `${resource} is forbidden: ` : ''}${describePrincipal(
        credentials,
      )} is not allowed ${denied.map(p => `"${p.name}"`).join(', ')}`,
      denied[0].name,
    );
  }
}
