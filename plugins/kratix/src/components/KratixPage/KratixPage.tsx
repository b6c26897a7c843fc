import { Navigate, Route, Routes } from 'react-router-dom';
import { DestinationPage } from '../DestinationsPage/DestinationPage';
import { DestinationsPage } from '../DestinationsPage/DestinationsPage';
import { PromisePage } from '../PromisePage/PromisePage';
import { PromisesPage } from '../PromisesPage/PromisesPage';
import { RequestFormPage } from '../RequestForm/RequestFormPage';
import { ResourcePage } from '../ResourcePage/ResourcePage';
import { KratixTabs } from './KratixTabs';

/** The plugin's pages under its mount point; links come from useKratixLinks. */
export function KratixRoutes() {
  return (
    <>
      <KratixTabs />
      <Routes>
        <Route path="/" element={<Navigate to="promises" replace />} />
        <Route path="promises" element={<PromisesPage />} />
        <Route path="promises/:name" element={<PromisePage />} />
        <Route path="promises/:name/request" element={<RequestFormPage />} />
        <Route path="destinations" element={<DestinationsPage />} />
        <Route path="destinations/:name" element={<DestinationPage />} />
        <Route path="resources/:group/:version/:plural/:namespace/:name" element={<ResourcePage />} />
      </Routes>
    </>
  );
}
