import { Content, ContentHeader } from '@backstage/core-components';
import { useParams } from 'react-router-dom';
import { ResourceView } from './ResourceView';

export function ResourcePage() {
  const { group = '', version = '', plural = '', namespace = '', name = '' } = useParams();
  return (
    <Content>
      <ContentHeader title={`${name}`} description={`${plural}.${group}/${version} in ${namespace}`} />
      <ResourceView resource={{ group, version, plural, namespace, name }} />
    </Content>
  );
}
