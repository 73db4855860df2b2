import { Anchor, Text, Timeline } from '@mantine/core';
import { Link } from 'react-router';

import { formatDateTime } from '@/lib/format';

import { adjudicationOf, type ClaimDetail } from '../api/get-claim';

/** What happened to the claim, from what the claim's record carries. */
export function ClaimTimeline({ claim, linkFiles }: { claim: ClaimDetail; linkFiles: boolean }) {
  const adjudication = adjudicationOf(claim);
  const events = [
    {
      title: `Received by ${claim.channel?.toUpperCase()}`,
      when: claim.received_at,
      body:
        claim.channel === 'edi' && claim.source_file_id != null ? (
          linkFiles ? (
            <Anchor component={Link} to={`/edi/files/${claim.source_file_id}`} size="sm">
              837 file #{claim.source_file_id}: its 999 and 277CA
            </Anchor>
          ) : (
            `in 837 file #${claim.source_file_id}`
          )
        ) : claim.source_request_id ? (
          `request ${claim.source_request_id}`
        ) : null,
    },
  ];
  if (claim.batch_id != null) {
    events.push({ title: `Processed in batch #${claim.batch_id}`, when: undefined, body: null });
  }
  if (claim.status === 'rejected') {
    events.push({
      title: 'Rejected by edits',
      when: undefined,
      body: <>{(claim.failure_reasons ?? []).map((reason) => `${reason.edit_code}: ${reason.message}`).join('; ')}</>,
    });
  }
  if (adjudication) {
    events.push({
      title: `Adjudicated: ${adjudication.decision}`,
      when: adjudication.adjudicated_at,
      body: adjudication.pend_reason ? <>Pended because: {adjudication.pend_reason}</> : null,
    });
  }
  for (const decision of claim.decisions ?? []) {
    const who = decision.decided_by ?? 'a reviewer';
    events.push({
      title:
        decision.status === 'awaiting_approval'
          ? `Decision awaiting a second reviewer: ${decision.action}`
          : `Decided by ${who}: ${decision.outcome ?? decision.action}`,
      when: decision.decided_at,
      body: decision.note ? <>Note: {decision.note}</> : null,
    });
  }
  for (const remitted of claim.remittances ?? []) {
    const label = `${remitted.entry === 'reversal' ? 'Reversal' : 'Remitted'} in payment cycle #${remitted.payment_cycle_id}`;
    const trace = remitted.trace_number ? `835 trace ${remitted.trace_number}` : '835';
    events.push({
      title: label,
      when: remitted.remitted_at,
      body:
        linkFiles && remitted.edi_document_id != null ? (
          <Anchor component={Link} to={`/remittances/${remitted.edi_document_id}`} size="sm">
            {trace}
          </Anchor>
        ) : (
          <>{trace}</>
        ),
    });
  }
  return (
    <Timeline active={events.length - 1} bulletSize={16} lineWidth={2} aria-label="Timeline">
      {events.map((event, index) => (
        <Timeline.Item key={index} title={event.title}>
          {event.when ? (
            <Text size="xs" c="gray.7">
              {formatDateTime(event.when)}
            </Text>
          ) : null}
          {event.body ? <Text size="sm">{event.body}</Text> : null}
        </Timeline.Item>
      ))}
    </Timeline>
  );
}
