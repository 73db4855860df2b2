import { zodResolver } from '@hookform/resolvers/zod';
import { ActionIcon, Alert, Button, Group, Paper, SegmentedControl, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useRef } from 'react';
import { Controller, useFieldArray, useForm, type UseFormReturn } from 'react-hook-form';

import { Page } from '@/components/page';
import { ErrorMessage } from '@/components/query-state';
import { formatMoney, parseMoneyToCents } from '@/lib/format';

import { useProviders } from '../api/get-providers';
import { useSubmitClaim } from '../api/submit-claim';
import { useValidateClaim } from '../api/validate-claim';
import { ClaimDetailView } from './claim-detail-page';
import { claimFormSchema, emptyLine, toClaimBody, type ClaimFormValues } from './claim-form-schema';
import { DiagnosesInput, ModifiersSelect, PlaceOfServiceSelect, ProcedureInput } from './code-inputs';

export default function NewClaimPage() {
  const providers = useProviders();
  const submit = useSubmitClaim();
  const validate = useValidateClaim();
  const decisionRef = useRef<HTMLDivElement>(null);
  const form = useForm<ClaimFormValues>({
    resolver: zodResolver(claimFormSchema),
    defaultValues: {
      claim_type: 'professional',
      patient_control_number: '',
      subscriber_member_number: '',
      billing_provider_npi: '',
      diagnosis_codes: '',
      place_of_service: '11',
      bill_type: '',
      lines: [emptyLine()],
    },
  });
  const npis = (providers.data?.items ?? []).map((provider) => ({
    value: provider.npi ?? '',
    label: `${provider.npi} ${provider.display_name ?? ''}`,
  }));
  useEffect(() => {
    if (npis.length && !form.getValues('billing_provider_npi')) form.setValue('billing_provider_npi', npis[0].value);
  }, [npis, form]);

  useEffect(() => {
    if (submit.data) {
      performance.mark('claim-decision-shown');
      decisionRef.current?.focus();
    }
  }, [submit.data]);

  const onSubmit = form.handleSubmit((values) => {
    performance.mark('claim-submit');
    submit.mutate(toClaimBody(values));
  });
  const errors = form.formState.errors;
  const claimType = form.watch('claim_type');

  return (
    <Page title="New claim">
      <form onSubmit={onSubmit} noValidate aria-label="New claim">
        <Stack>
          <Controller
            control={form.control}
            name="claim_type"
            render={({ field }) => (
              <div>
                <Text size="sm" fw={500} id="claim-type-label">
                  Claim type
                </Text>
                <SegmentedControl
                  aria-labelledby="claim-type-label"
                  value={field.value}
                  onChange={field.onChange}
                  data={[
                    { value: 'professional', label: 'Professional (837P)' },
                    { value: 'institutional', label: 'Institutional (837I)' },
                  ]}
                />
              </div>
            )}
          />
          <Group grow align="start" wrap="wrap">
            <TextInput label="Patient control number" {...form.register('patient_control_number')} error={errors.patient_control_number?.message} />
            <TextInput label="Member number" {...form.register('subscriber_member_number')} error={errors.subscriber_member_number?.message} />
            <Controller
              control={form.control}
              name="billing_provider_npi"
              render={({ field }) => (
                <Select label="Billing provider NPI" data={npis} searchable value={field.value || null} onChange={(value) => field.onChange(value ?? '')} error={errors.billing_provider_npi?.message} />
              )}
            />
          </Group>
          <Group grow align="start" wrap="wrap">
            <Controller
              control={form.control}
              name="diagnosis_codes"
              render={({ field }) => (
                <DiagnosesInput label="Diagnosis codes (ICD-10, comma separated)" placeholder="J20.9, E11.9" value={field.value} onChange={field.onChange} error={errors.diagnosis_codes?.message} />
              )}
            />
            {claimType === 'professional' ? (
              <Controller
                control={form.control}
                name="place_of_service"
                render={({ field }) => (
                  <PlaceOfServiceSelect label="Place of service" value={field.value ?? ''} onChange={field.onChange} error={errors.place_of_service?.message} />
                )}
              />
            ) : (
              <TextInput label="Type of bill" placeholder="0131" {...form.register('bill_type')} error={errors.bill_type?.message} />
            )}
          </Group>
          <ServiceLines form={form} />
          {submit.error ? <ErrorMessage error={submit.error} /> : null}
          {validate.error ? <ErrorMessage error={validate.error} /> : null}
          {validate.data ? (
            <Alert color={validate.data.valid ? 'green' : 'red'} role="status" title={validate.data.valid ? 'The server finds nothing wrong' : 'The server found problems'}>
              {(validate.data.findings ?? []).map((finding, index) => (
                <Text key={index} size="sm">
                  {finding.line_number ? `Line ${finding.line_number}: ` : ''}
                  {finding.edit_code} {finding.field ? `(${finding.field})` : ''}: {finding.message}
                </Text>
              ))}
            </Alert>
          ) : null}
          <Group>
            <Button variant="default" loading={validate.isPending} onClick={form.handleSubmit((values) => validate.mutate(toClaimBody(values)))}>
              Check with the server
            </Button>
            <Button type="submit" loading={submit.isPending}>
              Submit claim
            </Button>
          </Group>
        </Stack>
      </form>
      {submit.data ? (
        <Paper withBorder p="md" ref={decisionRef} tabIndex={-1} role="region" aria-label="Decision">
          <Title order={2} size="h3" mb="sm">
            Decision for claim #{submit.data.id}: {submit.data.decision ?? submit.data.status}
          </Title>
          <ClaimDetailView claim={submit.data} />
        </Paper>
      ) : null}
    </Page>
  );
}

function ServiceLines({ form }: { form: UseFormReturn<ClaimFormValues> }) {
  const lines = useFieldArray({ control: form.control, name: 'lines' });
  const values = form.watch('lines');
  const professional = form.watch('claim_type') === 'professional';
  const total = values.reduce((sum, line) => sum + (parseMoneyToCents(line.charge) ?? 0), 0);
  const errors = form.formState.errors.lines;
  return (
    <Stack gap="xs">
      <Title order={2} size="h4">
        Service lines
      </Title>
      {errors?.root?.message || errors?.message ? <Alert color="red">{errors?.root?.message ?? errors?.message}</Alert> : null}
      {lines.fields.map((field, index) => {
        const lineErrors = errors?.[index];
        const n = index + 1;
        return (
          <Paper key={field.id} withBorder p="xs" role="group" aria-label={`Line ${n}`}>
            <Group align="start" wrap="wrap" gap="xs">
              {professional ? (
                <Controller
                  control={form.control}
                  name={`lines.${index}.procedure_code`}
                  render={({ field }) => (
                    <ProcedureInput w={110} label={`Line ${n} procedure`} value={field.value ?? ''} onChange={field.onChange} error={lineErrors?.procedure_code?.message} />
                  )}
                />
              ) : (
                <>
                  <TextInput w={110} label={`Line ${n} revenue code`} {...form.register(`lines.${index}.revenue_code`)} error={lineErrors?.revenue_code?.message} />
                  <Controller
                    control={form.control}
                    name={`lines.${index}.procedure_code`}
                    render={({ field }) => (
                      <ProcedureInput w={110} label={`Line ${n} HCPCS`} value={field.value ?? ''} onChange={field.onChange} error={lineErrors?.procedure_code?.message} />
                    )}
                  />
                </>
              )}
              <Controller
                control={form.control}
                name={`lines.${index}.modifiers`}
                render={({ field }) => <ModifiersSelect w={160} label={`Line ${n} modifiers`} value={field.value ?? ''} onChange={field.onChange} />}
              />
              <TextInput w={150} type="date" label={`Line ${n} service date`} {...form.register(`lines.${index}.service_date`)} error={lineErrors?.service_date?.message} />
              <TextInput w={120} label={`Line ${n} charge ($)`} inputMode="decimal" {...form.register(`lines.${index}.charge`)} error={lineErrors?.charge?.message} />
              <TextInput w={80} label={`Line ${n} units`} inputMode="decimal" {...form.register(`lines.${index}.units`)} error={lineErrors?.units?.message} />
              <TextInput w={120} label={`Line ${n} diagnosis pointers`} {...form.register(`lines.${index}.diagnosis_pointers`)} error={lineErrors?.diagnosis_pointers?.message} />
              <ActionIcon
                mt={26}
                variant="default"
                aria-label={`Remove line ${n}`}
                disabled={lines.fields.length === 1}
                onClick={() => lines.remove(index)}
              >
                ×
              </ActionIcon>
            </Group>
          </Paper>
        );
      })}
      <Group justify="space-between">
        <Button variant="default" onClick={() => lines.append(emptyLine())}>
          Add a line
        </Button>
        <Text fw={600}>Total billed: {formatMoney(total)}</Text>
      </Group>
    </Stack>
  );
}
