import { keepPreviousData, useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api-client';
import type { paths } from '@/lib/api-schema';

export type AuditQuery = NonNullable<paths['/api/v1/audit']['get']['parameters']['query']>;

export async function getAuditEvents(query: AuditQuery) {
  return unwrap(await api.GET('/api/v1/audit', { params: { query } }));
}

export function useAuditEvents(query: AuditQuery) {
  return useQuery({ queryKey: ['audit', query], queryFn: () => getAuditEvents(query), placeholderData: keepPreviousData });
}
