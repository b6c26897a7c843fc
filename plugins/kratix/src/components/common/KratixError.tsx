import { WarningPanel } from '@backstage/core-components';
import Typography from '@material-ui/core/Typography';
import { describeError } from '../../lib/describeError';

/** A failed call in words a person understands: the missing permission, the failing fields. */
export function KratixError(props: { error: unknown; title?: string }) {
  const d = describeError(props.error);
  return (
    <WarningPanel
      severity="error"
      title={props.title ? `${props.title}: ${d.title}` : d.title}
      message={d.message}
      defaultExpanded
    >
      {d.causes.length > 0 && (
        <ul aria-label="Problems">
          {d.causes.map((c, i) => (
            <li key={i}>
              <Typography variant="body2">
                {c.field ? <code>{c.field}</code> : null}
                {c.field ? ': ' : ''}
                {c.message}
              </Typography>
            </li>
          ))}
        </ul>
      )}
    </WarningPanel>
  );
}
