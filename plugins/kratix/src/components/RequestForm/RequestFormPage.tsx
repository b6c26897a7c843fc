import { Content, ContentHeader, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useParams } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import type { PromiseObject } from '@kratix-backstage/plugin-kratix-common';
import { kratixApiRef } from '../../api/KratixApi';
import { kratixPaths } from '../../api/paths';
import { KratixError } from '../common/KratixError';
import { RequestForm } from './RequestForm';

export function RequestFormPage() {
  const { name = '' } = useParams();
  const api = useApi(kratixApiRef);
  const promise = useAsync(() => api.get<PromiseObject>(kratixPaths.promise(name)), [name]);
  return (
    <Content>
      <ContentHeader title={`Request from ${name}`} />
      {promise.loading && <Progress aria-label="Loading Promise" />}
      {promise.error && <KratixError error={promise.error} title={`Could not load Promise ${name}`} />}
      {promise.value && <RequestForm promise={promise.value} />}
    </Content>
  );
}
