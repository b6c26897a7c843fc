import Tab from '@material-ui/core/Tab';
import Tabs from '@material-ui/core/Tabs';
import { Link as RouterLink, useLocation } from 'react-router-dom';
import { useKratixLinks } from '../common/useKratixLinks';

/** Promises | Destinations, the plugin's own navigation. */
export function KratixTabs() {
  const links = useKratixLinks();
  const { pathname } = useLocation();
  const current = pathname.startsWith(links.destinations()) ? 1 : 0;
  return (
    <nav aria-label="Kratix">
      <Tabs value={current} indicatorColor="primary" textColor="primary">
        <Tab label="Promises" component={RouterLink} to={links.promises()} />
        <Tab label="Destinations" component={RouterLink} to={links.destinations()} />
      </Tabs>
    </nav>
  );
}
