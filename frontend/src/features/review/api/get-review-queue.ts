import { keepPreviousData, useQuery } from '@tanstack/react-query';

import { api, unwrap, type Schemas } from '@/lib/api-client';
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

/** The decision of `claimId` waiting for a second reviewer, if any. The queue has no claim id
 * filter; the claim's member's claims awaiting approval are few, so they are read and searched. */
export function usePendingDecision(claimId: number, memberId: number | null | undefined) {
  return useQuery({
    queryKey: ['review-queue', { pendingOf: claimId, memberId }],
    queryFn: async () => {
      const page = await getReviewQueue({ member_id: memberId!, awaiting_approval: true, page_size: 200 });
      return page.items?.find((item) => item.id === claimId)?.awaiting_approval ?? null;
    },
    enabled: memberId != null,
  });
}
