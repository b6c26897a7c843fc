import { useState } from 'react';
import { EmptyState, Progress, StatusError, StatusOK, StatusRunning } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Button from '@material-ui/core/Button';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import useAsync from 'react-use/esm/useAsync';
import type { KubeObject } from '@kratix-backstage/plugin-kratix-common';
import { LABEL_PIPELINE_NAME, LABEL_WORKFLOW_ACTION } from '@kratix-backstage/plugin-kratix-common';
import { kratixApiRef } from '../../api/KratixApi';
import { kratixPaths } from '../../api/paths';
import { KratixError } from '../common/KratixError';

/** A pipeline run as the backend records it: a v1 Pod's shape. */
export type PodObject = KubeObject<
  { containers?: { name: string }[] },
  {
    phase?: string;
    startTime?: string;
    containerStatuses?: {
      name: string;
      state?: { terminated?: { exitCode?: number; finishedAt?: string; reason?: string } };
    }[];
  }
>;

function Phase(props: { phase?: string }) {
  if (props.phase === 'Succeeded') return <StatusOK>Succeeded</StatusOK>;
  if (props.phase === 'Failed') return <StatusError>Failed</StatusError>;
  return <StatusRunning>{props.phase ?? 'Running'}</StatusRunning>;
}

function finishedAt(pod: PodObject): string {
  const times = (pod.status?.containerStatuses ?? [])
    .map(c => c.state?.terminated?.finishedAt)
    .filter((t): t is string => Boolean(t))
    .sort();
  return times[times.length - 1] ?? '';
}

function PodLog(props: { namespace: string; pod: PodObject }) {
  const api = useApi(kratixApiRef);
  const containers = (props.pod.spec?.containers ?? []).map(c => c.name);
  const names = containers.length ? containers : ['pipeline-stage-0'];
  const log = useAsync(async () => {
    const parts = await Promise.all(
      names.map(async c => {
        const text = await api.getText(kratixPaths.podLog(props.namespace, props.pod.metadata.name, c));
        return names.length > 1 ? `--- ${c}\n${text}` : text;
      }),
    );
    return parts.join('\n');
  }, [props.pod.metadata.name]);
  if (log.loading) return <Progress aria-label="Loading log" />;
  if (log.error) return <KratixError error={log.error} title="Could not load the log" />;
  return (
    // A plain, unscrolled pre: pipeline logs are short, and it stays readable
    // by screen readers and tests (a virtualised viewer renders nothing in jsdom).
    <pre
      role="log"
      aria-label={`Log of ${props.pod.metadata.name}`}
      style={{ margin: 0, whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}
    >
      {log.value || '(empty log)'}
    </pre>
  );
}

/** The pipeline runs of an object, newest first, each with its log on demand. */
export function PipelineRuns(props: { pods?: PodObject[]; namespace: string; error?: unknown }) {
  const [open, setOpen] = useState<string>();
  if (props.error) return <KratixError error={props.error} title="Could not load pipeline runs" />;
  const pods = [...(props.pods ?? [])].sort((a, b) =>
    (b.status?.startTime ?? '').localeCompare(a.status?.startTime ?? ''),
  );
  if (pods.length === 0)
    return (
      <EmptyState
        missing="data"
        title="No pipeline runs recorded"
        description="Runs of this object's workflows appear here with their logs once a pipeline has run."
      />
    );
  return (
    <Table size="small" aria-label="Pipeline runs">
      <TableHead>
        <TableRow>
          <TableCell>Pipeline</TableCell>
          <TableCell>Action</TableCell>
          <TableCell>Phase</TableCell>
          <TableCell>Started</TableCell>
          <TableCell>Finished</TableCell>
          <TableCell>Exit codes</TableCell>
          <TableCell>Log</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {pods.flatMap(pod => {
          const name = pod.metadata.name;
          const labels = pod.metadata.labels ?? {};
          const rows = [
            <TableRow key={name}>
              <TableCell>{labels[LABEL_PIPELINE_NAME] ?? name}</TableCell>
              <TableCell>{labels[LABEL_WORKFLOW_ACTION] ?? ''}</TableCell>
              <TableCell>
                <Phase phase={pod.status?.phase} />
              </TableCell>
              <TableCell>{pod.status?.startTime ?? ''}</TableCell>
              <TableCell>{finishedAt(pod)}</TableCell>
              <TableCell>
                {(pod.status?.containerStatuses ?? [])
                  .map(c => `${c.name}: ${c.state?.terminated?.exitCode ?? '…'}`)
                  .join(', ')}
              </TableCell>
              <TableCell>
                <Button
                  size="small"
                  aria-expanded={open === name}
                  aria-label={`${open === name ? 'Hide' : 'Show'} log of ${name}`}
                  onClick={() => setOpen(open === name ? undefined : name)}
                >
                  {open === name ? 'Hide log' : 'Show log'}
                </Button>
              </TableCell>
            </TableRow>,
          ];
          if (open === name)
            rows.push(
              <TableRow key={`${name}-log`}>
                <TableCell colSpan={7}>
                  <PodLog namespace={props.namespace} pod={pod} />
                </TableCell>
              </TableRow>,
            );
          return rows;
        })}
      </TableBody>
    </Table>
  );
}
