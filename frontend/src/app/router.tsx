import { createBrowserRouter, type RouteObject } from 'react-router';

import { LoginPage } from '@/features/auth/components/login-page';
import { NotFoundPage } from '@/components/not-found-page';

import { ProtectedLayout } from './layout';

// Each screen is its own chunk, loaded on first visit: a member never downloads the admin or
// insurer screens, and the first page a user opens stays small.
type PageModule = { default: React.ComponentType };
const page = (load: () => Promise<PageModule>): Pick<RouteObject, 'lazy'> => ({
  lazy: async () => ({ Component: (await load()).default }),
});

export const routes: RouteObject[] = [
  { path: '/login', element: <LoginPage /> },
  {
    element: <ProtectedLayout />,
    children: [
      { path: '/', ...page(() => import('@/features/claims/components/home-page')) },
      { path: '/claims', ...page(() => import('@/features/claims/components/claims-list-page')) },
      { path: '/claims/new', ...page(() => import('@/features/claims/components/new-claim-page')) },
      { path: '/claims/:claimId', ...page(() => import('@/features/claims/components/claim-detail-page')) },
      { path: '/edi/upload', ...page(() => import('@/features/edi/components/upload-page')) },
      { path: '/edi/files/:fileId', ...page(() => import('@/features/edi/components/edi-file-page')) },
      { path: '/remittances', ...page(() => import('@/features/edi/components/remittances-page')) },
      { path: '/remittances/:documentId', ...page(() => import('@/features/edi/components/remittance-page')) },
      { path: '/my/claims', ...page(() => import('@/features/member/components/my-claims-page')) },
      { path: '/my/claims/:claimId', ...page(() => import('@/features/member/components/eob-page')) },
      { path: '/my/coverage', ...page(() => import('@/features/member/components/coverage-page')) },
      { path: '/my/access-log', ...page(() => import('@/features/member/components/access-log-page')) },
      { path: '/batches', ...page(() => import('@/features/batches/components/batches-page')) },
      { path: '/batches/:batchId', ...page(() => import('@/features/batches/components/batch-page')) },
      { path: '/review', ...page(() => import('@/features/review/components/review-queue-page')) },
      { path: '/review/:claimId', ...page(() => import('./routes/review-workbench')) },
      { path: '/payment-cycles', ...page(() => import('@/features/payments/components/payment-cycles-page')) },
      { path: '/payment-cycles/:cycleId', ...page(() => import('@/features/payments/components/payment-cycle-page')) },
      { path: '/reports', ...page(() => import('@/features/reports/components/reports-page')) },
      { path: '/admin/users', ...page(() => import('@/features/admin/components/users-page')) },
      { path: '/admin/tokens', ...page(() => import('@/features/admin/components/tokens-page')) },
      { path: '/admin/audit', ...page(() => import('@/features/admin/components/audit-page')) },
      { path: '/admin/status', ...page(() => import('@/features/admin/components/status-page')) },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
];

export const router = createBrowserRouter(routes);
