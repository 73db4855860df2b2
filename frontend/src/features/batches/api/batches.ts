import { useMutation, useQuery } from '@tanstack/react-query';

import { api, unwrap, type Schemas } from '@/lib/api-client';

export type Reconciliation = Schemas['Reconciliation'];
import type { paths } from '@/lib/api-schema';

export type BatchRequest = NonNullable<paths['/api/v1/batches']['post']['requestBody']>['content']['application/json'];
type Channel = BatchRequest['channel'];
type ClaimType = BatchRequest['claim_type'];
export type { Channel, ClaimType };

export async function startBatch(body: BatchRequest) {
  return unwrap(await api.POST('/api/v1/batches', { body }));
}

export function useStartBatch() {
  return useMutation({ mutationFn: startBatch });
}

export async function getBatch(batchId: number) {
  return unwrap(await api.GET('/api/v1/batches/{batch_id}', { params: { path: { batch_id: batchId } } }));
}

const FINISHED = new Set(['done', 'failed']);

/** The batch, polled every second while it runs (live progress). */
export function useBatch(batchId: number) {
  return useQuery({
    queryKey: ['batch', batchId],
    queryFn: () => getBatch(batchId),
    refetchInterval: (query) => (query.state.data && (query.state.data.finished_at || FINISHED.has(query.state.data.status ?? '')) ? false : 1000),
  });
}
