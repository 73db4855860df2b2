import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api-client';
import type { paths } from '@/lib/api-schema';

export type DecisionRequest = NonNullable<paths['/api/v1/claims/{claim_id}/decision']['post']['requestBody']>['content']['application/json'];
export type BulkDecisionRequest = NonNullable<paths['/api/v1/review/decisions']['post']['requestBody']>['content']['application/json'];

export async function decideClaim({ claimId, decision }: { claimId: number; decision: DecisionRequest }) {
  return unwrap(await api.POST('/api/v1/claims/{claim_id}/decision', { params: { path: { claim_id: claimId } }, body: decision }));
}

function useInvalidateReview() {
  const client = useQueryClient();
  return () => {
    client.invalidateQueries({ queryKey: ['review-queue'] });
    client.invalidateQueries({ queryKey: ['claim'] });
    client.invalidateQueries({ queryKey: ['claims'] });
  };
}

export function useDecideClaim() {
  const invalidate = useInvalidateReview();
  return useMutation({ mutationFn: decideClaim, onSuccess: invalidate });
}

export async function decideClaims(body: BulkDecisionRequest) {
  return unwrap(await api.POST('/api/v1/review/decisions', { body }));
}

export function useDecideClaims() {
  const invalidate = useInvalidateReview();
  return useMutation({ mutationFn: decideClaims, onSuccess: invalidate });
}

export async function takeClaim(claimId: number) {
  return unwrap(await api.POST('/api/v1/review/claims/{claim_id}/assign', { params: { path: { claim_id: claimId } } }));
}

export function useTakeClaim() {
  const invalidate = useInvalidateReview();
  return useMutation({ mutationFn: takeClaim, onSuccess: invalidate });
}

export type ApprovalRequest = NonNullable<paths['/api/v1/claims/{claim_id}/decision/approval']['post']['requestBody']>['content']['application/json'];

/** The second reviewer applies (approve) or rejects a decision awaiting approval. */
export async function approveDecision({ claimId, approval }: { claimId: number; approval: ApprovalRequest }) {
  return unwrap(await api.POST('/api/v1/claims/{claim_id}/decision/approval', { params: { path: { claim_id: claimId } }, body: approval }));
}

export function useApproveDecision() {
  const invalidate = useInvalidateReview();
  return useMutation({ mutationFn: approveDecision, onSuccess: invalidate });
}
