import { useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import Button from '@material-ui/core/Button';
import MenuItem from '@material-ui/core/MenuItem';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import {
  DestinationObject,
  DestinationVerdict,
  explainScheduling,
  TaggedSelector,
  validateLabelKey,
  validateLabelValue,
} from '@kratix-backstage/plugin-kratix-common';
import { kratixApiRef } from '../../api/KratixApi';
import { kratixPaths } from '../../api/paths';
import { candidateOf } from '../../lib/whatIf';
import { verdictText } from '../../lib/verdicts';
import { KratixError } from '../common/KratixError';
import { PermittedButton } from '../common/PermittedButton';
import { useCanLabelDestination } from '../common/useKratixPermission';
import { useWhatIf } from '../DestinationsPage/useWhatIf';
import { WhatIfChangeList } from '../DestinationsPage/WhatIfChangeList';

export interface PendingGroup {
  directory: string;
  selectors: TaggedSelector[];
  /** Where it is already (misplaced) placed. */
  placedOn?: string[];
}

function outcomeText(
  o: { directory: string; verdict: DestinationVerdict; placed?: boolean },
  label: string,
): string {
  const d = o.verdict.name;
  const subject = o.directory === '.' ? 'this resource' : `this resource's ${o.directory} group`;
  if (!o.verdict.matches) return `Adding ${label} would not be enough: ${verdictText(o.verdict)}.`;
  return o.placed
    ? `Adding ${label} to ${d} would make ${d} match ${subject} again.`
    : `Adding ${label} to ${d} would place ${subject} on ${d}.`;
}

/**
 * "Add pvCapacity=large to worker-1": shows what the label would do to this
 * resource (and, from the backend, to everything else) before anything
 * changes; applying it is a separate, explicit step.
 */
export function WhatIfControl(props: {
  groups: PendingGroup[];
  destinations: string[];
  initial?: { destination?: string; key?: string; value?: string };
  onApplied?: () => void;
}) {
  const api = useApi(kratixApiRef);
  const [destination, setDestination] = useState(
    props.initial?.destination ?? props.destinations[0] ?? '',
  );
  const [key, setKey] = useState(props.initial?.key ?? '');
  const [value, setValue] = useState(props.initial?.value ?? '');
  const [preview, setPreview] = useState<{ target: DestinationObject; key: string; value: string }>();
  const [error, setError] = useState<unknown>();
  const [applied, setApplied] = useState(false);

  const keyErrors = key ? validateLabelKey(key) : ['required'];
  const valueErrors = validateLabelValue(value);
  const valid = destination && keyErrors.length === 0 && valueErrors.length === 0;

  const labelsAfter = preview
    ? { ...(preview.target.metadata.labels ?? {}), [preview.key]: preview.value }
    : undefined;
  const server = useWhatIf(preview?.target, labelsAfter);
  const canApply = useCanLabelDestination(preview?.target.metadata.name ?? destination);

  const runPreview = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!valid) return;
    setError(undefined);
    setApplied(false);
    try {
      const target = await api.get<DestinationObject>(kratixPaths.destination(destination));
      setPreview({ target, key, value });
    } catch (err) {
      setError(err);
    }
  };

  const apply = async () => {
    if (!preview) return;
    try {
      await api.patch(kratixPaths.destination(preview.target.metadata.name), {
        metadata: { labels: { [preview.key]: preview.value } },
      });
      setApplied(true);
      props.onApplied?.();
    } catch (err) {
      setError(err);
    }
  };

  const outcomes = preview
    ? props.groups.map(g => {
        const v = explainScheduling(g.selectors, [candidateOf(preview.target, labelsAfter)])
          .destinations[0];
        return { directory: g.directory, verdict: v, placed: g.placedOn?.includes(v.name) };
      })
    : [];
  const label = preview ? `${preview.key}=${preview.value}` : '';

  return (
    <section aria-label="What if">
      <form
        aria-label="What-if label change"
        onSubmit={runPreview}
        style={{ display: 'flex', gap: 8, flexWrap: 'wrap', alignItems: 'flex-start' }}
      >
        <TextField
          select
          id="kratix-whatif-destination"
          label="Destination"
          value={destination}
          onChange={e => setDestination(e.target.value)}
          variant="outlined"
          size="small"
          style={{ minWidth: 160 }}
        >
          {props.destinations.map(d => (
            <MenuItem key={d} value={d}>
              {d}
            </MenuItem>
          ))}
        </TextField>
        <TextField
          id="kratix-whatif-key"
          label="Label key"
          value={key}
          onChange={e => setKey(e.target.value.trim())}
          error={Boolean(key) && keyErrors.length > 0}
          helperText={key && keyErrors.length ? keyErrors.join('; ') : ' '}
          variant="outlined"
          size="small"
        />
        <TextField
          id="kratix-whatif-value"
          label="Label value"
          value={value}
          onChange={e => setValue(e.target.value.trim())}
          error={valueErrors.length > 0}
          helperText={valueErrors.join('; ') || ' '}
          variant="outlined"
          size="small"
        />
        <Button type="submit" variant="outlined" disabled={!valid}>
          Preview
        </Button>
      </form>
      {error !== undefined && <KratixError error={error} />}
      {preview && (
        <div aria-live="polite" aria-label="What-if outcome">
          {outcomes.map(o => (
            <Typography key={o.directory} variant="body1">
              {outcomeText(o, label)}
            </Typography>
          ))}
          {server.value && server.value.length > 0 && (
            <>
              <Typography variant="body2" color="textSecondary">
                Everything this label change would do:
              </Typography>
              <WhatIfChangeList
                changes={server.value}
                destination={preview.target.metadata.name}
                ariaLabel="All changes"
              />
            </>
          )}
          {server.error && <KratixError error={server.error} title="Could not compute the what-if" />}
          {applied ? (
            <Typography variant="body2">
              Added {label} to {preview.target.metadata.name}; this page updates when the
              scheduler has placed it.
            </Typography>
          ) : (
            <PermittedButton permission={canApply} color="primary" variant="contained" onClick={apply}>
              Add {label} to {preview.target.metadata.name}
            </PermittedButton>
          )}
        </div>
      )}
    </section>
  );
}
