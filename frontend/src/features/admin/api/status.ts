import { useQuery } from '@tanstack/react-query';

export type ReadyCheck = { ok: boolean; error?: string; live?: number };
export type Readiness = { status: string; checks: Record<string, ReadyCheck> };
export type SystemStatus = { readiness: Readiness; queues: Record<string, number>; liveWorkers: number | null };

// /ready and /metrics are operations endpoints outside the versioned API (no OpenAPI types).
export async function getSystemStatus(): Promise<SystemStatus> {
  const [ready, metrics] = await Promise.all([fetch('/ready'), fetch('/metrics')]);
  const readiness = (await ready.json()) as Readiness;
  const text = metrics.ok ? await metrics.text() : '';
  const queues: Record<string, number> = {};
  let liveWorkers: number | null = null;
  for (const line of text.split('\n')) {
    const depth = /^askes_queue_depth\{queue="([^"]+)"\} ([\d.e+]+)/.exec(line);
    if (depth) queues[depth[1]] = Number(depth[2]);
    const workers = /^askes_live_workers ([\d.e+]+)/.exec(line);
    if (workers) liveWorkers = Number(workers[1]);
  }
  return { readiness, queues, liveWorkers };
}

export function useSystemStatus() {
  return useQuery({ queryKey: ['system-status'], queryFn: getSystemStatus, refetchInterval: 5000 });
}
