import { EmptyState, InfoCard, Link, Progress, StatusWarning } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import { kratixApiRef } from '../../api/KratixApi';
import { useLiveData } from '../../lib/useLiveData';
import { nameList } from '../../lib/nameList';
import { placedOn } from '../../lib/placedOn';
import { workloadGroupName } from '../../lib/workloadGroupName';
import { ConditionsTable } from '../common/Conditions';
import { Identifier } from '../common/Identifier';
import { KratixError } from '../common/KratixError';
import { LabelChips } from '../common/LabelChips';
import { SimpleTable } from '../common/SimpleTable';
import { useKratixLinks } from '../common/useKratixLinks';
import { EventsTimeline } from './EventsTimeline';
import { loadResource, ResourceRef } from './loadResource';
import { PipelineRuns } from './PipelineRuns';
import { SchedulingExplanationView } from './SchedulingExplanationView';
import { WhatIfControl } from './WhatIfControl';

/**
 * A resource request: its conditions, workload groups and where they went,
 * the files written, and when nothing matches, why and what would fix it.
 */
export function ResourceView(props: { resource: ResourceRef }) {
  const api = useApi(kratixApiRef);
  const links = useKratixLinks();
  const r = props.resource;
  // Works, placements, destinations, pods and events all bear on this view.
  const { value, loading, error, refreshAfterChange } = useLiveData(
    () => loadResource(api, r),
    [r.group, r.version, r.plural, r.namespace, r.name],
  );

  if (loading && !value) return <Progress aria-label="Loading resource" />;
  if (error && !value) return <KratixError error={error} title={`Could not load ${r.namespace}/${r.name}`} />;
  if (!value) return null;

  const status = value.request.status ?? {};
  const groups = status.scheduling ?? [];
  const destinations = status.destinations ?? [];
  const unscheduled = groups.some(g => g.unscheduled);
  const firstMissing = value.explanations[0]?.explanation.destinations.find(d => !d.excluded);
  const whatIfDestinations = [
    ...new Set(value.explanations.flatMap(e => e.explanation.destinations.filter(d => !d.excluded).map(d => d.name))),
  ];

  return (
    <Grid container spacing={3}>
      {error && (
        <Grid item xs={12}>
          <KratixError error={error} title="Could not refresh" />
        </Grid>
      )}
      <Grid item xs={12}>
        <InfoCard title="Scheduling">
          <Typography variant="h6" component="p" aria-live="polite" data-testid="scheduling-message">
            {destinations.length > 0 && !unscheduled
              ? `Scheduled on ${nameList(destinations)}`
              : status.schedulingMessage ?? status.message ?? 'Waiting for its workflow to run'}
          </Typography>
          {status.misplaced && status.misplaced.length > 0 && (
            <Typography variant="body2">
              <StatusWarning>
                Misplaced on {nameList(status.misplaced.flatMap(m => m.destinations))}: these
                destinations no longer match, but keep the workloads (as in Kratix).
              </StatusWarning>
            </Typography>
          )}
          {value.promise && (
            <Typography variant="body2">
              Promise <Link underline="always" to={links.promise(value.promise.metadata.name)}>{value.promise.metadata.name}</Link>
            </Typography>
          )}
        </InfoCard>
      </Grid>
      {value.explanations.length > 0 && (
        <Grid item xs={12}>
          <InfoCard title={unscheduled ? 'Why it is not placed' : 'Why it no longer matches where it is'}>
            {value.explanations.map(e => (
              <section key={`${e.work}/${e.id}`} aria-label={`Explanation for ${e.work} group ${e.directory}`}>
                <Typography variant="subtitle1" component="h3">
                  The {workloadGroupName(e.directory)} ({e.id.slice(0, 5)}) of {e.work}
                </Typography>
                <SchedulingExplanationView explanation={e.explanation} directory={e.directory} />
              </section>
            ))}
            {whatIfDestinations.length > 0 && (
              <>
                <Typography variant="subtitle1" component="h3" style={{ marginTop: 16 }}>
                  What if
                </Typography>
                <WhatIfControl
                  groups={value.explanations.map(e => ({ directory: e.directory, selectors: e.selectors, placedOn: e.placedOn }))}
                  destinations={whatIfDestinations}
                  onApplied={refreshAfterChange}
                  initial={{
                    destination: firstMissing?.name,
                    key: firstMissing?.missing[0]?.key ?? firstMissing?.conflicting[0]?.key,
                    value: firstMissing?.missing[0]?.value ?? firstMissing?.conflicting[0]?.required,
                  }}
                />
              </>
            )}
          </InfoCard>
        </Grid>
      )}
      <Grid item xs={12}>
        <InfoCard title="Workload groups">
          {groups.length === 0 ? (
            <Typography variant="body2" color="textSecondary">
              No workload groups yet: they appear when the resource's workflow has written its output.
            </Typography>
          ) : (
            <SimpleTable
              label="Workload groups"
              rows={groups}
              rowKey={g => `${g.work}/${g.id}`}
              columns={[
                { title: 'Work', cell: g => g.work },
                { title: 'Directory', cell: g => g.directory },
                {
                  title: 'Selectors',
                  cell: g => (
                    <LabelChips labels={g.resolvedSelectors} emptyText="any" ariaLabel={`Selectors of ${g.directory}`} />
                  ),
                },
                { title: 'Destinations', cell: placedOn },
              ]}
            />
          )}
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        <InfoCard title="Files written">
          {value.files.length === 0 ? (
            <EmptyState
              missing="data"
              title="No files written yet"
              description="Files appear here once a workload group is placed on a destination and written to its state store."
            />
          ) : (
            <SimpleTable
              label="Files written"
              rows={value.files}
              rowKey={f => `${f.destination}/${f.path}`}
              columns={[
                { title: 'Destination', cell: f => f.destination, style: { whiteSpace: 'nowrap' } },
                { title: 'File', cell: f => f.filepath, style: { whiteSpace: 'nowrap' } },
                {
                  title: 'State store path',
                  cell: f => (
                    <code>
                      <Identifier name={f.path} />
                    </code>
                  ),
                },
              ]}
            />
          )}
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        <InfoCard title="Conditions">
          <ConditionsTable conditions={status.conditions} />
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        <InfoCard title="Pipeline runs">
          <PipelineRuns pods={value.pods} error={value.podsError} namespace={r.namespace} />
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        <InfoCard title="Events">
          <EventsTimeline events={value.events} error={value.eventsError} />
        </InfoCard>
      </Grid>
    </Grid>
  );
}
