import { Group, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useParams } from 'react-router';

import { Page } from '@/components/page';
import { QueryState } from '@/components/query-state';
import { can, useMe } from '@/lib/auth';
import { useCodeDescriptions } from '@/lib/code-lists';
import { formatDate, formatMoney } from '@/lib/format';

import { adjudicationOf, useClaim, type ClaimDetail } from '../api/get-claim';
import { ClaimLines } from './claim-lines';
import { ClaimMoney } from './claim-money';
import { ClaimStatus } from './claim-status';
import { ClaimTimeline } from './claim-timeline';

export default function ClaimDetailPage() {
  const claimId = Number(useParams().claimId);
  const claim = useClaim(claimId);
  return (
    <Page title={`Claim #${claimId}`}>
      <QueryState query={claim} label="the claim">
        {(data) => <ClaimDetailView claim={data} />}
      </QueryState>
    </Page>
  );
}

/** The header's dates, or the span of the lines' dates when the header carries none. */
function serviceDates(claim: ClaimDetail): string {
  const days = (claim.lines ?? []).flatMap((line) => [line.service_from, line.service_to]).filter(Boolean) as string[];
  const from = claim.service_from ?? days.sort()[0];
  const to = claim.service_to ?? days.sort().at(-1);
  return from === to ? formatDate(from) : `${formatDate(from)} – ${formatDate(to)}`;
}

export function ClaimDetailView({ claim }: { claim: ClaimDetail }) {
  const me = useMe().data;
  const adjudication = adjudicationOf(claim);
  const carcs = useCodeDescriptions('carc');
  const rarcs = useCodeDescriptions('rarc');
  const facts: [string, string | null | undefined][] = [
    ['Patient control number', claim.patient_control_number],
    ['Type', claim.claim_type],
    ['Patient', [claim.patient_first_name, claim.patient_last_name].filter(Boolean).join(' ') || null],
    ['Billing NPI', claim.billing_provider_npi],
    ['Service dates', serviceDates(claim)],
    ['Diagnoses', (claim.diagnosis_codes ?? []).join(', ')],
    ['Billed', formatMoney(claim.total_charge_cents)],
    ['Network', adjudication?.network],
  ];
  return (
    <Stack>
      <Group>
        <ClaimStatus status={claim.status} decision={claim.decision} />
        {adjudication?.risk_score != null ? (
          <Text size="sm">Risk score {adjudication.risk_score.toFixed(3)}</Text>
        ) : null}
      </Group>
      <SimpleGrid cols={{ base: 1, md: 3 }}>
        <Paper withBorder p="md" style={{ gridColumn: 'span 2' }}>
          <SimpleGrid cols={{ base: 1, sm: 2 }} component="dl" m={0} spacing="xs">
            {facts.map(([label, value]) => (
              <div key={label}>
                <Text component="dt" size="sm">
                  {label}
                </Text>
                <Text component="dd" m={0}>
                  {value || '—'}
                </Text>
              </div>
            ))}
          </SimpleGrid>
        </Paper>
        <Paper withBorder p="md">
          <Title order={2} size="h4" mb="sm">
            Timeline
          </Title>
          <ClaimTimeline claim={claim} linkFiles={can(me, 'edi:submit')} />
        </Paper>
      </SimpleGrid>
      {adjudication ? (
        <Paper withBorder p="md">
          <Title order={2} size="h4" mb="sm">
            Money
          </Title>
          <ClaimMoney amounts={adjudication} />
        </Paper>
      ) : null}
      {claim.failure_reasons?.length ? (
        <Paper withBorder p="md">
          <Title order={2} size="h4" mb="sm">
            Why it was rejected
          </Title>
          {claim.failure_reasons.map((reason, index) => (
            <Text key={index}>
              {reason.line_number ? `Line ${reason.line_number}: ` : ''}
              {reason.edit_code} {reason.field ? `(${reason.field})` : ''}: {reason.message}
            </Text>
          ))}
        </Paper>
      ) : null}
      <Title order={2} size="h4">
        Service lines
      </Title>
      <ClaimLines claim={claim} carcs={carcs} rarcs={rarcs} />
    </Stack>
  );
}
