import {
  Content,
  ContentHeader,
  EmptyState,
  Link,
  Progress,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import type { PromiseObject } from '@kratix-backstage/plugin-kratix-common';
import { kratixApiRef } from '../../api/KratixApi';
import { kratixPaths, resourceKindOf, resourcesPath } from '../../api/paths';
import { useLiveData } from '../../lib/useLiveData';
import { Identifier } from '../common/Identifier';
import { KratixError } from '../common/KratixError';
import { selectorText } from '../common/LabelChips';
import { ConditionStatus, findCondition } from '../common/Conditions';
import { useKratixLinks } from '../common/useKratixLinks';
import { PermittedButton } from '../common/PermittedButton';
import { useCanManagePlatform } from '../common/useKratixPermission';
import { ApplyYamlDialog } from './ApplyYamlDialog';

interface PromiseRow {
  promise: PromiseObject;
  name: string;
  kind: string;
  selectors: string;
  status: string;
  /** undefined: could not be counted. */
  resources?: number;
}

export function PromisesPage() {
  const api = useApi(kratixApiRef);
  const links = useKratixLinks();
  const [applying, setApplying] = useState(false);
  const canApply = useCanManagePlatform();
  const { value, loading, error, refreshAfterChange } = useLiveData(async () => {
    const list = await api.list<PromiseObject>(kratixPaths.promises());
    return Promise.all(
      list.items.map(async (promise): Promise<PromiseRow> => {
        const kind = resourceKindOf(promise);
        const resources = kind
          ? await api
              .list(resourcesPath(kind))
              .then(r => r.items.length)
              .catch(() => undefined)
          : 0;
        return {
          promise,
          name: promise.metadata.name,
          kind: kind ? `${kind.kind}.${kind.group}/${kind.version}` : '—',
          selectors: selectorText(promise.spec?.destinationSelectors),
          status: promise.status?.status ?? 'Pending',
          resources,
        };
      }),
    );
  }, []);

  const columns: TableColumn<PromiseRow>[] = [
    {
      title: 'Name',
      field: 'name',
      highlight: true,
      render: row => <Link to={links.promise(row.name)}>{row.name}</Link>,
    },
    { title: 'API kind', field: 'kind', render: row => <Identifier name={row.kind} /> },
    {
      title: 'Destination selectors',
      field: 'selectors',
      render: row => row.selectors || 'any destination',
    },
    {
      title: 'Status',
      field: 'status',
      render: row => (
        <ConditionStatus
          condition={
            findCondition(row.promise.status?.conditions, 'ConfigureWorkflowCompleted') ?? {
              type: 'Available',
              status: row.status === 'Available' ? 'True' : 'Unknown',
              reason: row.status,
              message: '',
            }
          }
          text={row.status}
        />
      ),
    },
    {
      title: 'Resources',
      field: 'resources',
      type: 'numeric',
      render: row => (row.resources === undefined ? '—' : row.resources),
    },
  ];

  return (
    <Content>
      <ContentHeader title="Promises">
        <PermittedButton permission={canApply} variant="contained" color="primary" onClick={() => setApplying(true)}>
          Apply YAML
        </PermittedButton>
      </ContentHeader>
      {applying && !canApply.denied && <ApplyYamlDialog onClose={() => setApplying(false)} onApplied={refreshAfterChange} />}
      {loading && !value && <Progress aria-label="Loading Promises" />}
      {error && <KratixError error={error} title="Could not load Promises" />}
      {value && value.length === 0 && (
        <EmptyState
          missing="content"
          title="No Promises installed"
          description="A platform engineer installs a Promise by applying its YAML: Apply YAML above, or POST it to /api/kratix/apply. Once installed it appears here with its API and where it runs."
          action={
            <PermittedButton permission={canApply} variant="contained" color="primary" onClick={() => setApplying(true)}>
              Install a Promise
            </PermittedButton>
          }
        />
      )}
      {value && value.length > 0 && (
        <Table<PromiseRow>
          title={`Promises (${value.length})`}
          // Sorting off: material-table's sort buttons nest a control in the header cell.
          options={{ paging: value.length > 20, pageSize: 20, search: true, sorting: false }}
          columns={columns}
          data={value}
        />
      )}
    </Content>
  );
}
