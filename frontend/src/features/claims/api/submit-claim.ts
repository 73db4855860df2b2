import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api-client';
import type { paths } from '@/lib/api-schema';

export type ClaimBody = NonNullable<paths['/api/v1/claims']['post']['requestBody']>['content']['application/json'];

export async function submitClaim(body: ClaimBody) {
  return unwrap(await api.POST('/api/v1/claims', { body }));
}

export function useSubmitClaim() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: submitClaim,
    onSuccess: (claim) => {
      client.invalidateQueries({ queryKey: ['claims'] });
      if (claim) client.setQueryData(['claim', claim.id], claim);
    },
  });
}
