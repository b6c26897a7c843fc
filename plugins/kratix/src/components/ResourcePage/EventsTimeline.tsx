import { EmptyState } from '@backstage/core-components';
import Typography from '@material-ui/core/Typography';
import type { KubeObject } from '@kratix-backstage/plugin-kratix-common';
import { KratixError } from '../common/KratixError';

/** A v1 Event, as Kubernetes and the Kratix backend record them. */
export interface EventObject extends KubeObject {
  involvedObject?: { apiVersion?: string; kind?: string; name?: string; namespace?: string };
  reason?: string;
  message?: string;
  type?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
}

const when = (e: EventObject) => e.lastTimestamp ?? e.firstTimestamp ?? e.metadata.creationTimestamp ?? '';

/** An object's events, newest first. */
export function EventsTimeline(props: { events?: EventObject[]; error?: unknown }) {
  if (props.error) return <KratixError error={props.error} title="Could not load events" />;
  const events = [...(props.events ?? [])].sort((a, b) => when(b).localeCompare(when(a)));
  if (events.length === 0)
    return (
      <EmptyState
        missing="data"
        title="No events recorded"
        description="Events (pipeline started, scheduled, misplaced…) appear here as they happen."
      />
    );
  return (
    <ol aria-label="Events" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
      {events.map(e => (
        <li
          key={e.metadata.name}
          style={{
            borderLeft: `3px solid ${e.type === 'Warning' ? '#e65100' : '#2e7d32'}`,
            paddingLeft: 8,
            marginBottom: 8,
          }}
        >
          <Typography variant="caption" color="textSecondary">
            {when(e)} · {e.type ?? 'Normal'}
            {e.count && e.count > 1 ? ` · ×${e.count}` : ''}
          </Typography>
          <Typography variant="body2">
            <strong>{e.reason}</strong> {e.message}
          </Typography>
        </li>
      ))}
    </ol>
  );
}
