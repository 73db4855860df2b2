import { useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api-client';

/** The providers the caller may see (for a provider user: their organization's NPIs). */
export async function getProviders() {
  return unwrap(await api.GET('/api/v1/providers', { params: { query: { page_size: 200 } } }));
}

export function useProviders() {
  return useQuery({ queryKey: ['providers'], queryFn: getProviders, staleTime: 5 * 60_000 });
}
