// The claim workbench composes two features: the claim as the claims feature shows it, the
// decision panel from the review feature, and the member's and provider's recent claims.
import { Anchor, Grid, Paper, Stack, Table, Title } from '@mantine/core';
import { useState } from 'react';
import { Link, useParams } from 'react-router';

import { Page } from '@/components/page';
import { QueryState } from '@/components/query-state';
import { adjudicationOf, useClaim } from '@/features/claims/api/get-claim';
import { useClaims } from '@/features/claims/api/get-claims';
import { ClaimDetailView } from '@/features/claims/components/claim-detail-page';
import { useReviewItem } from '@/features/review/api/get-review-queue';
import { ApprovalPanel } from '@/features/review/components/approval-panel';
import { DecisionPanel } from '@/features/review/components/decision-panel';
import { PendReasons } from '@/features/review/components/pend-reasons';
import { useMe } from '@/lib/auth';
import { formatDate, formatMoney } from '@/lib/format';

export default function ReviewWorkbench() {
  const claimId = Number(useParams().claimId);
  const claim = useClaim(claimId);
  const [decidedHere, setDecidedHere] = useState(false); // keep the outcome on screen after the refetch
  const item = useReviewItem(claimId); // null once the claim is decided
  const me = useMe().data;
  const pending = item.data?.awaiting_approval ?? null;
  const [pendingSeen, setPendingSeen] = useState<NonNullable<typeof pending> | null>(null);
  if (pending && pending !== pendingSeen) setPendingSeen(pending); // kept after the refetch
  return (
    <Page title={`Review claim #${claimId}`}>
      <Anchor component={Link} to="/review">
        Back to the queue
      </Anchor>
      <QueryState query={claim} label="the claim">
        {(data) => (
          <Grid>
            <Grid.Col span={{ base: 12, lg: 8 }}>
              <ClaimDetailView claim={data} />
            </Grid.Col>
            <Grid.Col span={{ base: 12, lg: 4 }}>
              <Stack>
                {item.data && !decidedHere ? <PendReasons item={item.data} /> : null}
                {pendingSeen && !decidedHere ? <ApprovalPanel claimId={claimId} pending={pendingSeen} /> : null}
                {(data.decision === 'pended' && !pendingSeen) || decidedHere ? (
                  <DecisionPanel
                    claimId={claimId}
                    onDecided={() => setDecidedHere(true)}
                    held={item.data?.assignment}
                    myId={me?.id}
                    lines={(adjudicationOf(data)?.lines ?? []).map((line) => ({
                      line_number: line.line_number,
                      allowed_cents: line.allowed_cents,
                      procedure: data.lines?.find((item) => item.line_number === line.line_number)?.procedure_code,
                    }))}
                  />
                ) : null}
                <RecentClaims title="The member's recent claims" query={{ member_id: data.member_id ?? -1 }} exclude={claimId} />
                <RecentClaims title="The provider's recent claims" query={{ billing_provider_id: data.billing_provider_id ?? -1 }} exclude={claimId} />
              </Stack>
            </Grid.Col>
          </Grid>
        )}
      </QueryState>
    </Page>
  );
}

function RecentClaims({ title, query, exclude }: { title: string; query: { member_id?: number; billing_provider_id?: number }; exclude: number }) {
  const claims = useClaims({ ...query, page_size: 6 });
  return (
    <Paper withBorder p="md">
      <Title order={2} size="h5" mb="xs">
        {title}
      </Title>
      <QueryState query={claims} label={title}>
        {(page) => (
          <Table aria-label={title}>
            <Table.Tbody>
              {(page.items ?? [])
                .filter((item) => item.id !== exclude)
                .slice(0, 5)
                .map((item) => (
                  <Table.Tr key={item.id}>
                    <Table.Td>
                      <Anchor component={Link} to={`/claims/${item.id}`} size="sm">
                        #{item.id}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{formatDate(item.service_from ?? item.received_at)}</Table.Td>
                    <Table.Td>{item.decision ?? item.status}</Table.Td>
                    <Table.Td ta="right">{formatMoney(item.total_charge_cents)}</Table.Td>
                  </Table.Tr>
                ))}
            </Table.Tbody>
          </Table>
        )}
      </QueryState>
    </Paper>
  );
}
