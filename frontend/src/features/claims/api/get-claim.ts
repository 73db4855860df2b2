import { useQuery } from '@tanstack/react-query';

import { api, unwrap, type Schemas } from '@/lib/api-client';

export type ClaimDetail = Schemas['ClaimDetail'];

export async function getClaim(claimId: number) {
  return unwrap(await api.GET('/api/v1/claims/{claim_id}', { params: { path: { claim_id: claimId } } }));
}

export function useClaim(claimId: number) {
  return useQuery({ queryKey: ['claim', claimId], queryFn: () => getClaim(claimId), enabled: Number.isFinite(claimId) });
}

export type Adjudication = Schemas['Adjudication'];

/** The claim's adjudication, or null before there is one (the spec types "none" as an empty object). */
export function adjudicationOf(claim: ClaimDetail): Adjudication | null {
  return (claim.adjudication as Adjudication | null | undefined) ?? null;
}
