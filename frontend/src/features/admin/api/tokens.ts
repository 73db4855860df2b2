import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api-client';
import type { paths } from '@/lib/api-schema';

export type NewToken = NonNullable<paths['/api/v1/tokens']['post']['requestBody']>['content']['application/json'];

export async function getTokens(includeRevoked: boolean) {
  return unwrap(await api.GET('/api/v1/tokens', { params: { query: { page_size: 200, include_revoked: includeRevoked } } }));
}

export function useTokens(includeRevoked: boolean) {
  return useQuery({ queryKey: ['tokens', includeRevoked], queryFn: () => getTokens(includeRevoked) });
}

export async function createToken(body: NewToken) {
  return unwrap(await api.POST('/api/v1/tokens', { body }));
}

export function useCreateToken() {
  const client = useQueryClient();
  return useMutation({ mutationFn: createToken, onSuccess: () => client.invalidateQueries({ queryKey: ['tokens'] }) });
}

export async function revokeToken(tokenId: number) {
  await api.DELETE('/api/v1/tokens/{token_id}', { params: { path: { token_id: tokenId } } });
}

export function useRevokeToken() {
  const client = useQueryClient();
  return useMutation({ mutationFn: revokeToken, onSuccess: () => client.invalidateQueries({ queryKey: ['tokens'] }) });
}
