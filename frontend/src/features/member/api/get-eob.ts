import { useQuery } from '@tanstack/react-query';

import { api, unwrap, type Schemas } from '@/lib/api-client';

export type Eob = Schemas['Eob'];
export type EobAmounts = Schemas['EobAmounts'];

export async function getEob(claimId: number) {
  return unwrap(await api.GET('/api/v1/claims/{claim_id}/eob', { params: { path: { claim_id: claimId } } }));
}

export function useEob(claimId: number) {
  return useQuery({ queryKey: ['eob', claimId], queryFn: () => getEob(claimId) });
}

export async function getAccumulators(memberId: number) {
  return unwrap(await api.GET('/api/v1/members/{member_id}/accumulators', { params: { path: { member_id: memberId } } }));
}

export function useAccumulators(memberId: number | null | undefined) {
  return useQuery({ queryKey: ['accumulators', memberId], queryFn: () => getAccumulators(memberId!), enabled: memberId != null });
}
