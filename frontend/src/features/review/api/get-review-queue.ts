import { keepPreviousData, useQuery } from '@tanstack/react-query';

import { ApiError, api, unwrap, type Schemas } from '@/lib/api-client';
import type { paths } from '@/lib/api-schema';

export type QueueQuery = NonNullable<paths['/api/v1/review/claims']['get']['parameters']['query']>;
export type QueueItem = Schemas['QueueItem'];
export type Assignment = Schemas['Assignment'];

export async function getReviewQueue(query: QueueQuery) {
  return unwrap(await api.GET('/api/v1/review/claims', { params: { query } }));
}

export function useReviewQueue(query: QueueQuery) {
  return useQuery({ queryKey: ['review-queue', query], queryFn: () => getReviewQueue(query), placeholderData: keepPreviousData });
}

/** One pended claim as the queue shows it: why it pended, who holds it, a decision waiting for a
 * second reviewer. Null once the claim is no longer pended (the API answers 404). */
export function useReviewItem(claimId: number) {
  return useQuery({
    queryKey: ['review-queue', { claimId }],
    queryFn: async () => {
      try {
        return unwrap(await api.GET('/api/v1/review/claims/{claim_id}', { params: { path: { claim_id: claimId } } }));
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }
    },
  });
}
