import { Navigate, Route, Routes } from 'react-router-dom';
import { PromisesPage } from '../PromisesPage/PromisesPage';

/** The plugin's pages under its mount point; links come from useKratixLinks. */
export function KratixRoutes() {
  return (
    <Routes>
      <Route path="/" element={<Navigate to="promises" replace />} />
      <Route path="promises" element={<PromisesPage />} />
    </Routes>
  );
}
