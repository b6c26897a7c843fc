import { Content, ContentHeader } from '@backstage/core-components';
import { useParams } from 'react-router-dom';
import { DestinationView } from './DestinationView';

export function DestinationPage() {
  const { name = '' } = useParams();
  return (
    <Content>
      <ContentHeader title={`Destination ${name}`} />
      <DestinationView name={name} />
    </Content>
  );
}
