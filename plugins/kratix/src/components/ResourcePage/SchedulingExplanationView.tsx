import Chip from '@material-ui/core/Chip';
import Typography from '@material-ui/core/Typography';
import type { SchedulingExplanation } from '@kratix-backstage/plugin-kratix-common';
import { SOURCE_NAMES, verdictText } from '../../lib/verdicts';
import { SimpleTable } from '../common/SimpleTable';

/**
 * Why a workload group goes where it goes, or nowhere: each required label
 * with the source that asked for it, asks that lost to the Promise, and per
 * destination what it lacks or contradicts.
 */
export function SchedulingExplanationView(props: {
  explanation: SchedulingExplanation;
  directory: string;
}) {
  const { explanation: e, directory } = props;
  return (
    <div>
      <Typography variant="body1" gutterBottom>
        {e.summary}
      </Typography>
      {e.requirements.length > 0 ? (
        <SimpleTable
          label={`Labels required for ${directory}`}
          rows={e.requirements}
          rowKey={r => r.key}
          columns={[
            {
              title: 'Required label',
              cell: r => (
                <code>
                  {r.key}={r.value}
                </code>
              ),
            },
            {
              title: 'Asked for by',
              cell: r => (
                <>
                  <Chip size="small" variant="outlined" label={r.source} />{' '}
                  {SOURCE_NAMES[r.source]}
                </>
              ),
            },
          ]}
        />
      ) : (
        <Typography variant="body2">
          No selector applies: any destination without strictMatchLabels can take it.
        </Typography>
      )}
      {e.overridden.length > 0 && (
        <ul aria-label="Overridden asks">
          {e.overridden.map(o => (
            <li key={`${o.source}/${o.key}/${o.value}`}>
              <Typography variant="body2">
                {SOURCE_NAMES[o.source]} asked for {o.key}={o.value}, but{' '}
                {SOURCE_NAMES[o.by]}'s {o.key}={e.resolved[o.key]} wins.
              </Typography>
            </li>
          ))}
        </ul>
      )}
      <Typography variant="body2" color="textSecondary" style={{ marginTop: 8 }}>
        {directory === '.'
          ? 'All sources are merged: the Promise wins over a promise workflow, which wins over a resource workflow. A workflow can narrow where this goes, but never override the Promise.'
          : `The directory ${directory} is its own workload group, scheduled by its own selectors alone: the Promise's selectors and the root entry do not apply to it (as in Kratix).`}
      </Typography>
      {e.destinations.length > 0 && (
        <>
          <Typography variant="subtitle2" component="h4" style={{ marginTop: 8 }}>
            Destinations, closest first
          </Typography>
          <ul aria-label={`Destinations for ${directory}`}>
            {e.destinations.map(v => (
              <li key={v.name}>
                <Typography variant="body2">{verdictText(v)}</Typography>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
