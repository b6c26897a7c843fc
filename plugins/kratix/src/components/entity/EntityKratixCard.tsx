import { InfoCard, Link, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import Typography from '@material-ui/core/Typography';
import useAsync from 'react-use/esm/useAsync';
import type {
  DestinationObject,
  PromiseObject,
  ResourceRequestObject,
} from '@kratix-backstage/plugin-kratix-common';
import { kratixApiRef } from '../../api/KratixApi';
import { kratixPaths, resourcePath } from '../../api/paths';
import { kratixEntityTarget } from '../../lib/entityTarget';
import { KratixError } from '../common/KratixError';
import { LabelChips, selectorText } from '../common/LabelChips';
import { useKratixLinks } from '../common/useKratixLinks';
import { useResourceKind } from './EntityKratixContent';

/** At a glance: where the entity's Kratix object runs, or what it waits for. */
export function EntityKratixCard() {
  const { entity } = useEntity();
  const api = useApi(kratixApiRef);
  const links = useKratixLinks();
  const target = kratixEntityTarget(entity);
  const kind = useResourceKind(target?.type === 'resource' ? target : undefined);
  const state = useAsync(async () => {
    if (!target) return undefined;
    if (target.type === 'promise') {
      const p = await api.get<PromiseObject>(kratixPaths.promise(target.name));
      return {
        text: `Status ${p.status?.status ?? 'Pending'}; runs on destinations with ${selectorText(p.spec?.destinationSelectors) || 'any labels'}`,
        link: links.promise(target.name),
      };
    }
    if (target.type === 'destination') {
      const d = await api.get<DestinationObject>(kratixPaths.destination(target.name));
      return { labels: d.metadata.labels ?? {}, link: links.destinations() };
    }
    if (!kind.value) return undefined;
    const r = await api.get<ResourceRequestObject>(
      resourcePath(kind.value, target.namespace, target.name),
    );
    return {
      text: r.status?.schedulingMessage ?? r.status?.message ?? 'Waiting for its workflow',
      link: links.resource({ ...kind.value, namespace: target.namespace, name: target.name }),
    };
  }, [entity.metadata.uid, kind.value]);

  return (
    <InfoCard title="Kratix">
      {(state.loading || kind.loading) && <Progress aria-label="Loading Kratix status" />}
      {(state.error || kind.error) && <KratixError error={state.error ?? kind.error} />}
      {!target && <Typography variant="body2">This entity has no Kratix annotations.</Typography>}
      {state.value && (
        <>
          {'labels' in state.value ? (
            <LabelChips labels={state.value.labels} ariaLabel="Destination labels" />
          ) : (
            <Typography variant="body1">{state.value.text}</Typography>
          )}
          <Typography variant="body2">
            <Link to={state.value.link}>Open in Kratix</Link>
          </Typography>
        </>
      )}
    </InfoCard>
  );
}
