import { Button, Group, NumberInput, Paper, Select, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { useNavigate } from 'react-router';

import { Page } from '@/components/page';
import { ErrorMessage } from '@/components/query-state';

import { useStartBatch, type BatchRequest, type Channel, type ClaimType } from '../api/batches';

export default function BatchesPage() {
  const start = useStartBatch();
  const navigate = useNavigate();
  const [channel, setChannel] = useState<string | null>(null);
  const [claimType, setClaimType] = useState<string | null>(null);
  const [limit, setLimit] = useState<number | string>('');
  const submit = () => {
    const body: BatchRequest = { claims_per_chunk: 25_000 };
    if (channel) body.channel = channel as Channel;
    if (claimType) body.claim_type = claimType as ClaimType;
    if (limit !== '') body.limit = Number(limit);
    start.mutate(body, { onSuccess: (batch) => batch && navigate(`/batches/${batch.id}`) });
  };
  return (
    <Page title="Batches">
      <Paper withBorder p="md">
        <Stack>
          <Text>Process the claims waiting for adjudication: all of them, or those matching the filters.</Text>
          <Group align="end" wrap="wrap">
            <Select label="Channel" data={['portal', 'api', 'edi', 'fhir']} clearable value={channel} onChange={setChannel} />
            <Select label="Claim type" data={['professional', 'institutional']} clearable value={claimType} onChange={setClaimType} />
            <NumberInput label="At most this many claims" min={1} value={limit} onChange={setLimit} />
            <Button onClick={submit} loading={start.isPending}>
              Start a batch
            </Button>
          </Group>
          {start.error ? <ErrorMessage error={start.error} /> : null}
        </Stack>
      </Paper>
    </Page>
  );
}
