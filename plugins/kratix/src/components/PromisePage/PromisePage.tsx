import {
  Content,
  ContentHeader,
  EmptyState,
  InfoCard,
  Link,
  LinkButton,
  Progress,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import { useParams } from 'react-router-dom';
import {
  KRATIX_SYSTEM_NAMESPACE,
  LABEL_PROMISE_NAME,
  PromiseObject,
  ResourceRequestObject,
  WorkObject,
} from '@kratix-backstage/plugin-kratix-common';
import { kratixApiRef } from '../../api/KratixApi';
import { kratixPaths, resourceKindOf, resourcesPath } from '../../api/paths';
import { requestSchemaOf, schemaFields } from '../../lib/schema';
import { useLiveData } from '../../lib/useLiveData';
import { nameList } from '../../lib/nameList';
import { placedOn } from '../../lib/placedOn';
import { workGroups } from '../../lib/whatIf';
import { ConditionsTable } from '../common/Conditions';
import { Identifier } from '../common/Identifier';
import { workloadGroupName } from '../../lib/workloadGroupName';
import { KratixError } from '../common/KratixError';
import { LabelChips } from '../common/LabelChips';
import { SimpleTable } from '../common/SimpleTable';
import { useKratixLinks } from '../common/useKratixLinks';
import { PermittedButton } from '../common/PermittedButton';
import { useCanRequest } from '../common/useKratixPermission';
import { explainPending } from '../ResourcePage/loadResource';
import { SchedulingExplanationView } from '../ResourcePage/SchedulingExplanationView';

const NOWRAP = { whiteSpace: 'nowrap' } as const;

export function PromisePage() {
  const { name = '' } = useParams();
  return (
    <Content>
      <ContentHeader title={`Promise ${name}`} />
      <PromiseView name={name} />
    </Content>
  );
}

/** A Promise: its API, where it may run, where its dependencies went, and its resources. */
export function PromiseView(props: { name: string }) {
  const api = useApi(kratixApiRef);
  const links = useKratixLinks();
  const canRequest = useCanRequest(props.name);
  const { value, loading, error } = useLiveData(async () => {
    const promise = await api.get<PromiseObject>(kratixPaths.promise(props.name));
    const kind = resourceKindOf(promise);
    const [works, resources] = await Promise.all([
      api.list<WorkObject>(kratixPaths.works(KRATIX_SYSTEM_NAMESPACE), {
        labelSelector: `${LABEL_PROMISE_NAME}=${props.name}`,
      }),
      kind
        ? api.list<ResourceRequestObject>(resourcesPath(kind))
        : Promise.resolve({ items: [] }),
    ]);
    const explanations = await explainPending(api, works.items);
    return { promise, kind, works: works.items, resources: resources.items, explanations };
  }, [props.name]);

  if (loading && !value) return <Progress aria-label="Loading Promise" />;
  if (error && !value) return <KratixError error={error} title={`Could not load Promise ${props.name}`} />;
  if (!value) return null;
  const { promise, kind, works, resources, explanations } = value;
  const selectors = promise.spec?.destinationSelectors ?? [];
  const needed = Object.assign({}, ...selectors.map(s => s.matchLabels ?? {}));
  const fields = schemaFields(requestSchemaOf(promise));
  // Denied: a disabled button saying why instead of a link to a form that would only fail.
  let requestAction: JSX.Element | undefined;
  if (kind && !canRequest.denied) {
    requestAction = (
      <LinkButton to={links.request(promise.metadata.name)} variant="contained" color="primary">
        Request {kind.kind}
      </LinkButton>
    );
  } else if (kind) {
    requestAction = (
      <PermittedButton permission={canRequest} variant="contained" color="primary">
        Request {kind.kind}
      </PermittedButton>
    );
  }
  const groups = works.flatMap(w => workGroups(w).map(g => ({ work: w.metadata.name, ...g })));
  const waiting = groups.some(g => g.unscheduled);
  const neededText = Object.entries(needed).map(([k, v]) => `${k}=${v}`).join(', ');
  let statusText = `Dependencies placed on ${nameList([...new Set(groups.flatMap(g => g.destinations))])}`;
  if (groups.length === 0) statusText = 'No dependencies to schedule';
  else if (waiting) statusText = `Waiting for a destination with ${neededText || 'matching labels'}`;

  return (
    <Grid container spacing={3}>
      <Grid item xs={12}>
        <InfoCard title="Status">
          <Typography variant="h6" component="p" aria-live="polite" data-testid="promise-scheduling">
            {statusText}
          </Typography>
          <Typography variant="body2">Status: {promise.status?.status ?? 'Pending'}</Typography>
          <ConditionsTable conditions={promise.status?.conditions} />
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={4}>
        <InfoCard title="Destination selectors">
          {selectors.length === 0 ? (
            <Typography variant="body2">None: its dependencies and resources may go to any destination.</Typography>
          ) : (
            <>
              <Typography variant="body2" gutterBottom>
                Only destinations with all of these labels receive its dependencies and resources; a
                workflow can add labels to this but never override them.
              </Typography>
              <LabelChips labels={needed} ariaLabel="Destination selectors" />
            </>
          )}
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={8}>
        <InfoCard title="API">
          {kind ? (
            <>
              <Typography variant="body2" gutterBottom>
                <code>
                  {kind.kind}.{kind.group}/{kind.version}
                </code>{' '}
                (plural <code>{kind.plural}</code>)
              </Typography>
              {fields.length === 0 ? (
                <Typography variant="body2">Its spec has no declared fields.</Typography>
              ) : (
                <SimpleTable
                  label="API schema"
                  rows={fields}
                  rowKey={f => f.path}
                  columns={[
                    {
                      title: 'Field',
                      cell: f => (
                        <>
                          <code><Identifier name={f.path} /></code>
                          {f.required ? ' (required)' : ''}
                        </>
                      ),
                    },
                    // In the narrow card these words were broken mid-word.
                    { title: 'Type', cell: f => f.type, style: NOWRAP },
                    { title: 'Default', cell: f => (f.default === undefined ? '' : JSON.stringify(f.default)), style: NOWRAP },
                    { title: 'Description', cell: f => f.description ?? '' },
                  ]}
                />
              )}
            </>
          ) : (
            <Typography variant="body2">This Promise offers no API.</Typography>
          )}
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        <InfoCard title="Dependencies">
          {groups.length === 0 ? (
            <Typography variant="body2" color="textSecondary">
              No dependency Works (yet).
            </Typography>
          ) : (
            <SimpleTable
              label="Dependencies"
              rows={groups}
              rowKey={g => `${g.work}/${g.id}`}
              columns={[
                { title: 'Work', cell: g => g.work },
                { title: 'Directory', cell: g => g.directory },
                { title: 'Placed on', cell: placedOn },
                { title: 'Summary', cell: g => g.summary },
              ]}
            />
          )}
          {explanations.map(e => (
            <section key={`${e.work}/${e.id}`} aria-label={`Why ${e.work} is not placed`} style={{ marginTop: 16 }}>
              <Typography variant="subtitle1" component="h3">
                Why the {workloadGroupName(e.directory)} of {e.work} is not placed
              </Typography>
              <SchedulingExplanationView explanation={e.explanation} directory={e.directory} />
              <Typography variant="body2" style={{ marginTop: 8 }}>
                Add the missing labels on the <Link underline="always" to={links.destinations()}>Destinations page</Link>.
              </Typography>
            </section>
          ))}
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        <InfoCard
          title="Resources"
          action={
            requestAction
          }
        >
          {resources.length === 0 ? (
            <EmptyState
              missing="content"
              title="No resources requested"
              description={kind ? `Each ${kind.kind} requested from this Promise appears here as it is made.` : 'This Promise has no API to request.'}
            />
          ) : (
            <SimpleTable
              label="Resources"
              rows={resources}
              rowKey={res => `${res.metadata.namespace}/${res.metadata.name}`}
              columns={[
                {
                  title: 'Name',
                  cell: res => (
                    <Link
                      to={links.resource({
                        ...kind!,
                        namespace: res.metadata.namespace ?? 'default',
                        name: res.metadata.name,
                      })}
                    >
                      {res.metadata.name}
                    </Link>
                  ),
                },
                { title: 'Namespace', cell: res => res.metadata.namespace },
                { title: 'Status', cell: res => res.status?.schedulingMessage ?? res.status?.message ?? '' },
                { title: 'Destinations', cell: res => nameList(res.status?.destinations ?? []) },
              ]}
            />
          )}
        </InfoCard>
      </Grid>
    </Grid>
  );
}
