import { keepPreviousData, useQuery } from '@tanstack/react-query';

import { api, unwrap, type Schemas } from '@/lib/api-client';

export type Adjudication = Schemas['Adjudication'];

export async function getMyClaims(page: number, memberId: number | null) {
  const query = { page, page_size: 20, ...(memberId != null ? { member_id: memberId } : {}) };
  return unwrap(await api.GET('/api/v1/claims', { params: { query } }));
}

export function useMyClaims(page: number, memberId: number | null) {
  return useQuery({
    queryKey: ['my-claims', page, memberId],
    queryFn: () => getMyClaims(page, memberId),
    placeholderData: keepPreviousData,
  });
}

export async function getMyClaim(claimId: number) {
  return unwrap(await api.GET('/api/v1/claims/{claim_id}', { params: { path: { claim_id: claimId } } }));
}

export function useMyClaim(claimId: number) {
  return useQuery({ queryKey: ['claim', claimId], queryFn: () => getMyClaim(claimId) });
}
