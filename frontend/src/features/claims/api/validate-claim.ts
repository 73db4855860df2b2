import { useMutation } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api-client';

import type { ClaimBody } from './submit-claim';

/** The pipeline's edit findings for a claim, without staging it. */
export async function validateClaim(body: ClaimBody) {
  return unwrap(await api.POST('/api/v1/claims/validate', { body }));
}

export function useValidateClaim() {
  return useMutation({ mutationFn: validateClaim });
}
