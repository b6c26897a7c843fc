import { useState } from 'react';
import {
  Content,
  ContentHeader,
  EmptyState,
  Link,
  Progress,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Button from '@material-ui/core/Button';
import MenuItem from '@material-ui/core/MenuItem';
import Paper from '@material-ui/core/Paper';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import {
  DestinationObject,
  LabelSelectorParseError,
  parseLabelSelector,
  WorkPlacementObject,
  LABEL_DESTINATION,
} from '@kratix-backstage/plugin-kratix-common';
import { KubeList, kratixApiRef } from '../../api/KratixApi';
import { kratixPaths } from '../../api/paths';
import { anyOf, useLiveData } from '../../lib/useLiveData';
import { ConditionStatus, findCondition, readyText } from '../common/Conditions';
import { KratixError } from '../common/KratixError';
import { useKratixLinks } from '../common/useKratixLinks';
import { DestinationLabelControls } from './DestinationLabelControls';
import { LabelChange, LabelChangeDialog } from './LabelChangeDialog';

const PAGE_SIZES = [25, 50, 100];

/**
 * Every destination with its labels, readiness, state store and placements.
 * Filtering (a Kubernetes label selector) and paging happen on the server, so
 * the page stays fast with thousands of destinations.
 */
/** Continue tokens of pages cut in the browser, for a backend that does not page. */
const LOCAL_TOKEN = 'local:';

/**
 * One page of the answer: the server's page, or, when the backend ignored
 * `limit` and sent everything, a page cut here.
 */
export function pageOf<T>(list: KubeList<T>, pageSize: number, offset: number) {
  if (list.items.length <= pageSize && offset === 0)
    return { items: list.items, next: list.metadata?.continue, remaining: list.metadata?.remainingItemCount };
  const items = list.items.slice(offset, offset + pageSize);
  const end = offset + items.length;
  return {
    items,
    next: end < list.items.length ? `${LOCAL_TOKEN}${end}` : undefined,
    remaining: list.items.length - end,
  };
}

function placementCount(counts: Map<string, number> | undefined, name: string) {
  if (!counts) return '—';
  return counts.get(name) ?? 0;
}

export function DestinationsPage() {
  const api = useApi(kratixApiRef);
  const links = useKratixLinks();
  const [input, setInput] = useState('');
  const [inputError, setInputError] = useState<string>();
  const [selector, setSelector] = useState('');
  const [pageSize, setPageSize] = useState(PAGE_SIZES[0]);
  // Continue tokens of the pages before the current one; '' is the first page.
  const [tokens, setTokens] = useState<string[]>(['']);
  const [editing, setEditing] = useState<{ destination: DestinationObject; change: LabelChange }>();

  const token = tokens[tokens.length - 1];
  const { value, loading, error, refreshAfterChange } = useLiveData(
    async () => {
      const local = token.startsWith(LOCAL_TOKEN);
      const list = await api.list<DestinationObject>(kratixPaths.destinations(), {
        labelSelector: selector || undefined,
        limit: pageSize,
        continue: token && !local ? token : undefined,
      });
      const page = pageOf(list, pageSize, local ? Number(token.slice(LOCAL_TOKEN.length)) : 0);
      const names = page.items.map(d => d.metadata.name);
      const placements = await countPlacements(names).catch(() => undefined);
      return { ...page, placements };
    },
    [selector, pageSize, token],
    anyOf('platform.kratix.io/Destination', 'platform.kratix.io/WorkPlacement'),
  );

  async function countPlacements(names: string[]) {
    const counts = new Map<string, number>();
    if (names.length === 0) return counts;
    const list = await api.list<WorkPlacementObject>(kratixPaths.workPlacements(), {
      labelSelector: `${LABEL_DESTINATION} in (${names.join(',')})`,
    });
    for (const wp of list.items) {
      const d = wp.spec?.targetDestinationName;
      if (d) counts.set(d, (counts.get(d) ?? 0) + 1);
    }
    return counts;
  }

  const applySelector = (e: React.FormEvent) => {
    e.preventDefault();
    const query = input.trim();
    try {
      if (query) parseLabelSelector(query);
      setInputError(undefined);
      setSelector(query);
      setTokens(['']);
    } catch (err) {
      setInputError(
        err instanceof LabelSelectorParseError ? err.message : String(err),
      );
    }
  };

  const first = (tokens.length - 1) * pageSize + 1;
  return (
    <Content>
      <ContentHeader title="Destinations" />
      <Paper
        component="form"
        role="search"
        aria-label="Filter destinations"
        onSubmit={applySelector}
        // On paper, not the page's grey, so the field's labels keep their contrast.
        style={{ display: 'flex', gap: 8, alignItems: 'flex-start', marginBottom: 16, padding: 16 }}
      >
        <TextField
          id="kratix-label-selector"
          label="Label selector"
          placeholder="environment=dev,pvCapacity in (large)"
          value={input}
          onChange={e => setInput(e.target.value)}
          error={Boolean(inputError)}
          helperText={inputError ?? 'Kubernetes syntax: =, !=, in, notin, key, !key'}
          variant="outlined"
          size="small"
          style={{ minWidth: 420 }}
        />
        <Button type="submit" variant="contained" color="primary">
          Filter
        </Button>
        <TextField
          select
          id="kratix-page-size"
          label="Per page"
          value={pageSize}
          onChange={e => {
            setPageSize(Number(e.target.value));
            setTokens(['']);
          }}
          variant="outlined"
          size="small"
          style={{ minWidth: 110 }}
        >
          {PAGE_SIZES.map(n => (
            <MenuItem key={n} value={n}>
              {n}
            </MenuItem>
          ))}
        </TextField>
      </Paper>
      {loading && !value && <Progress aria-label="Loading destinations" />}
      {error && <KratixError error={error} title="Could not load destinations" />}
      {value && value.items.length === 0 && (
        <EmptyState
          missing="data"
          title={selector ? 'No destination matches this selector' : 'No destinations'}
          description={
            selector
              ? `No destination has labels matching ${selector}. Change the selector, or add the labels to a destination.`
              : 'Register a Destination (apply its YAML) to give Kratix somewhere to schedule workloads.'
          }
        />
      )}
      {value && value.items.length > 0 && (
        <>
          <Table size="small" aria-label="Destinations">
            <TableHead>
              <TableRow>
                <TableCell>Name</TableCell>
                <TableCell>Labels</TableCell>
                <TableCell>Ready</TableCell>
                <TableCell>State store</TableCell>
                <TableCell align="right">Placements</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {value.items.map(d => {
                const name = d.metadata.name;
                const ready = findCondition(d.status?.conditions, 'Ready');
                return (
                  <TableRow key={name} data-testid={`destination-${name}`}>
                    <TableCell component="th" scope="row">
                      <Link to={links.destination(name)}>{name}</Link>
                    </TableCell>
                    <TableCell>
                      <DestinationLabelControls
                        name={name}
                        labels={d.metadata.labels}
                        onChange={change => setEditing({ destination: d, change })}
                      />
                    </TableCell>
                    <TableCell>
                      <ConditionStatus
                        condition={ready}
                        text={readyText(ready)}
                      />
                    </TableCell>
                    <TableCell>
                      {d.spec?.stateStoreRef
                        ? `${d.spec.stateStoreRef.name} (${d.spec.stateStoreRef.kind})`
                        : '—'}
                      <Typography variant="caption" display="block" color="textSecondary">
                        path {d.spec?.path ?? name}
                      </Typography>
                    </TableCell>
                    <TableCell align="right">
                      {placementCount(value.placements, name)}
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
          <nav aria-label="Pages of destinations" style={{ display: 'flex', gap: 8, alignItems: 'center', marginTop: 8 }}>
            <Typography variant="body2" aria-live="polite">
              {`Showing ${first}–${first + value.items.length - 1}${
                value.remaining !== undefined ? ` of ${first + value.items.length - 1 + value.remaining}` : ''
              }`}
            </Typography>
            <Button
              size="small"
              disabled={tokens.length === 1}
              onClick={() => setTokens(t => t.slice(0, -1))}
            >
              Previous page
            </Button>
            <Button
              size="small"
              disabled={!value.next}
              onClick={() => setTokens(t => [...t, value.next!])}
            >
              Next page
            </Button>
          </nav>
        </>
      )}
      {editing && (
        <LabelChangeDialog
          destination={editing.destination}
          change={editing.change}
          onClose={() => setEditing(undefined)}
          onChanged={refreshAfterChange}
        />
      )}
    </Content>
  );
}
