import { useState } from 'react';
import { InfoCard, Link, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Typography from '@material-ui/core/Typography';
import type { DestinationObject, WorkPlacementObject } from '@kratix-backstage/plugin-kratix-common';
import { LABEL_DESTINATION, LABEL_MISPLACED } from '@kratix-backstage/plugin-kratix-common';
import { kratixApiRef } from '../../api/KratixApi';
import { kratixPaths } from '../../api/paths';
import { anyOf, useLiveData } from '../../lib/useLiveData';
import { ConditionStatus, findCondition, readyText } from '../common/Conditions';
import { KratixError } from '../common/KratixError';
import { useKratixLinks } from '../common/useKratixLinks';
import { DestinationLabelControls } from './DestinationLabelControls';
import { LabelChange, LabelChangeDialog } from './LabelChangeDialog';

/** One destination: labels (editable), readiness, state store and what is placed on it. */
export function DestinationView(props: { name: string }) {
  const api = useApi(kratixApiRef);
  const links = useKratixLinks();
  const [change, setChange] = useState<LabelChange>();
  const { value, loading, error, refreshAfterChange } = useLiveData(
    async () => {
      const [destination, placements] = await Promise.all([
        api.get<DestinationObject>(kratixPaths.destination(props.name)),
        api
          .list<WorkPlacementObject>(kratixPaths.workPlacements(), {
            labelSelector: `${LABEL_DESTINATION}=${props.name}`,
          })
          .then(l => l.items)
          .catch(() => undefined),
      ]);
      return { destination, placements };
    },
    [props.name],
    anyOf('platform.kratix.io/Destination', 'platform.kratix.io/WorkPlacement'),
  );
  if (loading && !value) return <Progress aria-label="Loading destination" />;
  if (error && !value) return <KratixError error={error} title={`Could not load destination ${props.name}`} />;
  if (!value) return null;
  const d = value.destination;
  const ready = findCondition(d.status?.conditions, 'Ready');
  return (
    <InfoCard title={`Destination ${props.name}`}>
      <Typography variant="subtitle2" component="h3">
        Labels
      </Typography>
      <DestinationLabelControls name={props.name} labels={d.metadata.labels} onChange={setChange} />
      <Typography variant="body2" style={{ marginTop: 8 }}>
        Ready:{' '}
        <ConditionStatus condition={ready} text={readyText(ready)} />
      </Typography>
      <Typography variant="body2">
        State store:{' '}
        {d.spec?.stateStoreRef ? `${d.spec.stateStoreRef.name} (${d.spec.stateStoreRef.kind})` : '—'}, path{' '}
        <code>{d.spec?.path ?? props.name}</code>
      </Typography>
      <Typography variant="subtitle2" component="h3" style={{ marginTop: 8 }}>
        Placements
      </Typography>
      {value.placements === undefined && (
        <Typography variant="body2">Placements could not be listed.</Typography>
      )}
      {value.placements?.length === 0 && (
        <Typography variant="body2">Nothing is placed here yet.</Typography>
      )}
      {value.placements && value.placements.length > 0 && (
        <ul aria-label={`Placements on ${props.name}`}>
          {value.placements.map(p => (
            <li key={`${p.metadata.namespace}/${p.metadata.name}`}>
              <Typography variant="body2">
                {p.spec?.promiseName ? (
                  <Link to={links.promise(p.spec.promiseName)}>{p.spec.promiseName}</Link>
                ) : (
                  p.metadata.name
                )}
                {p.spec?.resourceName ? ` / ${p.metadata.namespace}/${p.spec.resourceName}` : ' dependencies'} (
                {fileCount(p.spec?.workloads?.length ?? 0)})
                {p.metadata.labels?.[LABEL_MISPLACED] === 'true' ? ' — misplaced' : ''}
              </Typography>
            </li>
          ))}
        </ul>
      )}
      {change && (
        <LabelChangeDialog destination={d} change={change} onClose={() => setChange(undefined)} onChanged={refreshAfterChange} />
      )}
    </InfoCard>
  );
}

function fileCount(n: number): string {
  return `${n} ${n === 1 ? 'file' : 'files'}`;
}
