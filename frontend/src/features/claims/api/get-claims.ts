import { keepPreviousData, useQueries, useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api-client';
import type { paths } from '@/lib/api-schema';

export type ClaimQuery = NonNullable<paths['/api/v1/claims']['get']['parameters']['query']>;

export async function getClaims(query: ClaimQuery) {
  return unwrap(await api.GET('/api/v1/claims', { params: { query } }));
}

export function useClaims(query: ClaimQuery) {
  return useQuery({
    queryKey: ['claims', query],
    queryFn: () => getClaims(query),
    placeholderData: keepPreviousData,
  });
}

export type ClaimCount = { label: string; query: ClaimQuery };

/** How many claims match each query (page size 1: only the total is wanted). */
export function useClaimCounts(counts: ClaimCount[]) {
  return useQueries({
    queries: counts.map(({ query }) => ({
      queryKey: ['claims', { ...query, page_size: 1 }],
      queryFn: () => getClaims({ ...query, page_size: 1 }),
    })),
  });
}
