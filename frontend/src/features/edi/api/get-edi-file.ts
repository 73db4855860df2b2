import { useQuery } from '@tanstack/react-query';

import { ApiError, api, unwrap } from '@/lib/api-client';

export async function getEdiFile(fileId: number) {
  return unwrap(await api.GET('/api/v1/edi/files/{file_id}', { params: { path: { file_id: fileId } } }));
}

export function useEdiFile(fileId: number) {
  return useQuery({ queryKey: ['edi-file', fileId], queryFn: () => getEdiFile(fileId) });
}

export type AcknowledgmentKind = '999' | '277ca' | 'ta1';

/** An acknowledgment's X12 text, or null when the file has none of that kind (404). */
export async function getAcknowledgment(fileId: number, kind: AcknowledgmentKind): Promise<string | null> {
  try {
    const result = await api.GET(`/api/v1/edi/files/{file_id}/${kind}` as '/api/v1/edi/files/{file_id}/999', {
      params: { path: { file_id: fileId } },
      parseAs: 'text',
    });
    return (result.data as unknown as string) ?? null;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

export function useAcknowledgment(fileId: number, kind: AcknowledgmentKind) {
  return useQuery({ queryKey: ['edi-ack', fileId, kind], queryFn: () => getAcknowledgment(fileId, kind) });
}
