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
import { ApplyResult, kratixApiRef } from '../../api/KratixApi';
import { KratixError } from '../common/KratixError';

// FileReader rather than Blob.text(): older browsers and jsdom lack the latter.
function readText(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result ?? ''));
    reader.onerror = () => reject(reader.error);
    reader.readAsText(file);
  });
}

/**
 * Installs a Promise (or any Kratix objects) from YAML, as `kubectl apply -f`
 * would: pasted or read from a file, multi-document, applied in order.
 */
export function ApplyYamlDialog(props: { onClose: () => void; onApplied?: () => void }) {
  const api = useApi(kratixApiRef);
  const [yaml, setYaml] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [result, setResult] = useState<ApplyResult>();

  const apply = async () => {
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    try {
      setResult(await api.apply(yaml));
      props.onApplied?.();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open onClose={props.onClose} aria-labelledby="kratix-apply-title" fullWidth maxWidth="md">
      <DialogTitle id="kratix-apply-title">Apply YAML</DialogTitle>
      <DialogContent>
        <Typography variant="body2" gutterBottom>
          Paste a Promise (or Destinations, state stores, resource requests), or choose a file;
          several documents separated by <code>---</code> are applied in order.
        </Typography>
        {/* A native file input: keyboard-reachable, unlike a button dressed over a hidden one. */}
        <Typography variant="body2" component="label" htmlFor="kratix-apply-file">
          YAML file{' '}
          <input
            id="kratix-apply-file"
            type="file"
            accept=".yaml,.yml,.json,application/yaml,text/yaml"
            onChange={async e => {
              const file = e.target.files?.[0];
              if (file) setYaml(await readText(file));
            }}
          />
        </Typography>
        <TextField
          id="kratix-apply-yaml"
          label="YAML"
          value={yaml}
          onChange={e => setYaml(e.target.value)}
          multiline
          minRows={12}
          maxRows={24}
          fullWidth
          margin="normal"
          variant="outlined"
          inputProps={{ spellCheck: false, style: { fontFamily: 'monospace', fontSize: 13 } }}
        />
        {busy && <Progress aria-label="Applying" />}
        {error !== undefined && <KratixError error={error} title="Nothing was applied past the failing object" />}
        {result && (
          <ul aria-label="Applied objects">
            {result.items.map(i => (
              <li key={`${i.kind}/${i.namespace ?? ''}/${i.name}`}>
                <Typography variant="body2">
                  {i.kind} {i.namespace ? `${i.namespace}/` : ''}
                  {i.name} {i.action}
                </Typography>
              </li>
            ))}
          </ul>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onClose}>{result ? 'Close' : 'Cancel'}</Button>
        <Button color="primary" variant="contained" onClick={apply} disabled={!yaml.trim() || busy}>
          Apply
        </Button>
      </DialogActions>
    </Dialog>
  );
}
