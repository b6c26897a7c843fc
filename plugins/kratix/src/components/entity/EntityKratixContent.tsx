import { EmptyState, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import useAsync from 'react-use/esm/useAsync';
import type { PromiseObject } from '@kratix-backstage/plugin-kratix-common';
import { kratixApiRef } from '../../api/KratixApi';
import { kratixPaths, ResourceKind, resourceKindOf } from '../../api/paths';
import { KratixEntityTarget, kratixEntityTarget } from '../../lib/entityTarget';
import { KratixError } from '../common/KratixError';
import { DestinationView } from '../DestinationsPage/DestinationView';
import { PromiseView } from '../PromisePage/PromisePage';
import { ResourceView } from '../ResourcePage/ResourceView';

type ResourceTarget = Extract<KratixEntityTarget, { type: 'resource' }>;

/** The Promise whose API serves a resource entity: by name, else by group and kind. */
export function useResourceKind(target: ResourceTarget | undefined) {
  const api = useApi(kratixApiRef);
  return useAsync(async (): Promise<ResourceKind | undefined> => {
    if (!target) return undefined;
    if (target.promiseName) {
      const p = await api.get<PromiseObject>(kratixPaths.promise(target.promiseName));
      return resourceKindOf(p);
    }
    const promises = await api.list<PromiseObject>(kratixPaths.promises());
    return promises.items
      .map(resourceKindOf)
      .find(k => k && k.group === target.group && k.kind.toLowerCase() === target.kind?.toLowerCase());
  }, [target?.promiseName, target?.group, target?.kind]);
}

/** The Kratix view of the current catalog entity: its Promise, Destination or resource. */
export function EntityKratixContent() {
  const { entity } = useEntity();
  const target = kratixEntityTarget(entity);
  const kind = useResourceKind(target?.type === 'resource' ? target : undefined);
  if (!target)
    return (
      <EmptyState
        missing="info"
        title="Not a Kratix entity"
        description="Add kratix.io/type with kratix.io/promise-name, or kratix.io/api-group, kratix.io/kind, kratix.io/name and kratix.io/namespace, to link this entity to a Kratix object."
      />
    );
  if (target.type === 'promise') return <PromiseView name={target.name} />;
  if (target.type === 'destination') return <DestinationView name={target.name} />;
  if (kind.loading) return <Progress aria-label="Loading resource kind" />;
  if (kind.error) return <KratixError error={kind.error} />;
  if (!kind.value)
    return (
      <EmptyState
        missing="data"
        title="No Promise serves this resource"
        description={`No installed Promise offers ${target.kind ?? 'its kind'}${target.group ? ` in ${target.group}` : ''}.`}
      />
    );
  return <ResourceView resource={{ ...kind.value, namespace: target.namespace, name: target.name }} />;
}
