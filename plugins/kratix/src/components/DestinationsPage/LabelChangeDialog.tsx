import { useState } from 'react';
import { Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import {
  DestinationObject,
  Labels,
  validateLabelKey,
  validateLabelValue,
} from '@kratix-backstage/plugin-kratix-common';
import { kratixApiRef } from '../../api/KratixApi';
import { kratixPaths } from '../../api/paths';
import { KratixError } from '../common/KratixError';
import { PermittedButton } from '../common/PermittedButton';
import { useCanLabelDestination } from '../common/useKratixPermission';
import { useWhatIf } from './useWhatIf';
import { WhatIfChangeList } from './WhatIfChangeList';

export type LabelChange =
  | { action: 'add'; key?: string; value?: string }
  | { action: 'remove'; key: string };

/**
 * Adds or removes one label of a destination, after showing what the change
 * would schedule or mark misplaced; nothing changes until it is confirmed.
 */
export function LabelChangeDialog(props: {
  destination: DestinationObject;
  change: LabelChange;
  onClose: () => void;
  onChanged?: (updated: DestinationObject) => void;
}) {
  const { destination, change } = props;
  const api = useApi(kratixApiRef);
  const name = destination.metadata.name;
  const current = destination.metadata.labels ?? {};
  const [key, setKey] = useState(change.key ?? '');
  const [value, setValue] = useState(
    change.action === 'add' ? change.value ?? '' : '',
  );
  const [previewed, setPreviewed] = useState<Labels | undefined>(
    change.action === 'remove' ? without(current, change.key) : undefined,
  );
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<unknown>();

  const keyErrors = key ? validateLabelKey(key) : [];
  const valueErrors = validateLabelValue(value);
  const inputValid =
    change.action === 'remove' ||
    (key !== '' && keyErrors.length === 0 && valueErrors.length === 0);
  const whatIf = useWhatIf(destination, previewed);
  const permission = useCanLabelDestination(name);

  const description =
    change.action === 'remove'
      ? `Remove ${change.key}=${current[change.key] ?? ''} from ${name}`
      : `Add ${key || 'a label'}${value || key ? `=${value}` : ''} to ${name}`;

  const confirm = async () => {
    setSaving(true);
    setSaveError(undefined);
    try {
      const labels =
        change.action === 'remove' ? { [change.key]: null } : { [key]: value };
      const updated = await api.patch<DestinationObject>(
        kratixPaths.destination(name),
        { metadata: { labels } },
      );
      props.onChanged?.(updated);
      props.onClose();
    } catch (e) {
      setSaveError(e);
    } finally {
      setSaving(false);
    }
  };

  const stale =
    change.action === 'add' &&
    previewed !== undefined &&
    (previewed[key] !== value || !(key in previewed));

  return (
    <Dialog open onClose={props.onClose} aria-labelledby="kratix-label-dialog-title" fullWidth maxWidth="sm">
      <DialogTitle id="kratix-label-dialog-title">
        {change.action === 'remove' ? `Remove label from ${name}` : `Add label to ${name}`}
      </DialogTitle>
      <DialogContent>
        {change.action === 'add' && (
          <form
            aria-label="New label"
            onSubmit={e => {
              e.preventDefault();
              if (inputValid) setPreviewed({ ...current, [key]: value });
            }}
          >
            <TextField
              id="kratix-label-key"
              label="Label key"
              value={key}
              onChange={e => setKey(e.target.value.trim())}
              error={keyErrors.length > 0}
              helperText={keyErrors.join('; ') || 'e.g. environment or kratix.io/tier'}
              margin="dense"
              fullWidth
            />
            <TextField
              id="kratix-label-value"
              label="Label value"
              value={value}
              onChange={e => setValue(e.target.value.trim())}
              error={valueErrors.length > 0}
              helperText={valueErrors.join('; ') || 'e.g. dev'}
              margin="dense"
              fullWidth
            />
            <Button type="submit" variant="outlined" disabled={!inputValid}>
              Preview changes
            </Button>
          </form>
        )}
        {previewed && !stale && (
          <section aria-label="What this change would do" style={{ marginTop: 16 }}>
            <Typography variant="subtitle1" component="h3">
              {description}: what would change
            </Typography>
            {whatIf.loading && <Progress aria-label="Computing what would change" />}
            {whatIf.error && <KratixError error={whatIf.error} title="Could not compute the what-if" />}
            {whatIf.value && whatIf.value.length === 0 && (
              <Typography variant="body2">
                Nothing would be scheduled or marked misplaced.
              </Typography>
            )}
            {whatIf.value && whatIf.value.length > 0 && (
              <WhatIfChangeList changes={whatIf.value} destination={name} ariaLabel="Changes" />
            )}
          </section>
        )}
        {saveError !== undefined && <KratixError error={saveError} title="The label was not changed" />}
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onClose}>Cancel</Button>
        <PermittedButton
          permission={permission}
          color="primary"
          variant="contained"
          onClick={confirm}
          disabled={!previewed || stale || !inputValid || saving || whatIf.loading}
        >
          {change.action === 'remove' ? 'Remove label' : 'Add label'}
        </PermittedButton>
      </DialogActions>
    </Dialog>
  );
}

function without(labels: Labels, key: string): Labels {
  const { [key]: _removed, ...rest } = labels;
  return rest;
}
