import { Stack, Text, Title } from '@mantine/core';

import { LabelledProgress } from '@/components/labelled-progress';

import { QueryState } from '@/components/query-state';
import { formatMoneyShort } from '@/lib/format';

import { useAccumulators } from '../api/get-eob';

type ProgressValue = { met_cents?: number; limit_cents?: number; remaining_cents?: number };

/** Deductible and out-of-pocket met against the plan's limits, as labelled progress bars. */
export function AccumulatorBars({ memberId }: { memberId: number }) {
  const accumulators = useAccumulators(memberId);
  return (
    <QueryState query={accumulators} label="your deductible and out-of-pocket">
      {(data) => (
        <Stack>
          <Title order={2} size="h4">
            Plan year {data.plan_year}
          </Title>
          {(data.plans ?? []).flatMap((plan) =>
            (plan.networks ?? []).map((network) => {
              const family = network.family as { deductible?: ProgressValue; out_of_pocket?: ProgressValue } | null | undefined;
              const scope = `${plan.plan_name}, ${network.network === 'in' ? 'in network' : `${network.network} network`}`;
              return (
                <Stack key={`${plan.plan_id}-${network.network}`} gap="xs">
                  <Text fw={600}>{scope}</Text>
                  <Bar label={`Deductible (${scope})`} value={network.individual?.deductible} />
                  <Bar label={`Out-of-pocket maximum (${scope})`} value={network.individual?.out_of_pocket} />
                  {family?.deductible ? <Bar label={`Family deductible (${scope})`} value={family.deductible} /> : null}
                  {family?.out_of_pocket ? <Bar label={`Family out-of-pocket maximum (${scope})`} value={family.out_of_pocket} /> : null}
                </Stack>
              );
            }),
          )}
        </Stack>
      )}
    </QueryState>
  );
}

function Bar({ label, value }: { label: string; value?: ProgressValue }) {
  const met = value?.met_cents ?? 0;
  const limit = value?.limit_cents ?? 0;
  // Embedded family limits: once the family has met its limit, nothing is left for the member
  // either, whatever their own figure (the API's remaining_cents says so).
  const byFamily = value?.remaining_cents === 0 && met < limit;
  const text = `${formatMoneyShort(met)} of ${formatMoneyShort(limit)} met${byFamily ? ' (your family met it)' : ''}`;
  return (
    <div>
      <Text size="sm">
        {label}: {text}
      </Text>
      <LabelledProgress label={label} value={byFamily ? limit : met} max={limit} text={text} />
    </div>
  );
}
