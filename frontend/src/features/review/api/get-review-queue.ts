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
