import { useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api-client';
import type { paths } from '@/lib/api-schema';

export type ReportName =
  | 'claims-received'
  | 'decisions'
  | 'auto-adjudication'
  | 'denials'
  | 'pend-queue'
  | 'days-to-payment'
  | 'paid-by-provider'
  | 'batch-throughput';

type Path<N extends ReportName> = `/api/v1/reports/${N}`;
export type Report<N extends ReportName> = NonNullable<
  paths[Path<N>]['get']['responses'][200]['content']['application/json']
>;
export type DateRange = { from: string; to: string };

export async function getReport<N extends ReportName>(name: N, range: DateRange): Promise<Report<N>> {
  const query = name === 'pend-queue' ? {} : range;
  const result = await api.GET(`/api/v1/reports/${name}` as '/api/v1/reports/decisions', { params: { query } });
  return unwrap(result) as unknown as Report<N>;
}

export function useReport<N extends ReportName>(name: N, range: DateRange) {
  return useQuery({ queryKey: ['report', name, range], queryFn: () => getReport(name, range) });
}
