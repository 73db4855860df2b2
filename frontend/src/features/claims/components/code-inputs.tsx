// Code look-ups for the claim form: procedures and diagnoses searched on the server as the user
// types (debounced), places of service and modifiers picked from their whole (short) lists.
import { Autocomplete, MultiSelect, Select, Text } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';

import { getCodes, useCodeList } from '@/lib/code-lists';

const DEBOUNCE_MS = 250;
const SUGGESTIONS = 15;

function useCodeSearch(list: 'procedures' | 'diagnoses', term: string) {
  const [debounced] = useDebouncedValue(term.trim(), DEBOUNCE_MS);
  return useQuery({
    queryKey: ['codes', list, debounced],
    queryFn: () => getCodes(list, debounced, SUGGESTIONS),
    enabled: debounced.length > 0,
    staleTime: 5 * 60_000,
    placeholderData: keepPreviousData,
  });
}

type TextProps = { label: string; value: string; onChange: (value: string) => void; error?: string; w?: number; placeholder?: string };

/** One procedure (CPT/HCPCS) code, with suggestions from the server. */
export function ProcedureInput({ label, value, onChange, error, w }: TextProps) {
  const found = useCodeSearch('procedures', value);
  const items = found.data?.items ?? [];
  const described = Object.fromEntries(items.map((item) => [item.code ?? '', item.description ?? '']));
  return (
    <Autocomplete
      w={w}
      label={label}
      value={value}
      onChange={onChange}
      error={error}
      data={[...new Set(items.map((item) => item.code ?? ''))]}
      filter={({ options }) => options}
      comboboxProps={{ width: 360, position: 'bottom-start' }}
      renderOption={({ option }) => <CodeOption code={option.value} description={described[option.value]} />}
    />
  );
}

/** A comma-separated list of ICD-10 codes; suggestions complete the code being typed (the last). */
export function DiagnosesInput({ label, value, onChange, error, placeholder }: TextProps) {
  const cut = value.lastIndexOf(',');
  const head = cut < 0 ? '' : `${value.slice(0, cut + 1).trimEnd()} `;
  const term = value.slice(cut + 1);
  const found = useCodeSearch('diagnoses', term);
  const items = found.data?.items ?? [];
  // Each option's value is the whole field with its last code completed, so picking one keeps
  // the codes already entered; the option shows the code and its description only.
  const described = Object.fromEntries(items.map((item) => [`${head}${item.code}`, [item.code ?? '', item.description ?? '']]));
  return (
    <Autocomplete
      label={label}
      placeholder={placeholder}
      value={value}
      onChange={onChange}
      error={error}
      data={Object.keys(described)}
      filter={({ options }) => options}
      comboboxProps={{ width: 420, position: 'bottom-start' }}
      renderOption={({ option }) => {
        const [code, description] = described[option.value] ?? [option.value, ''];
        return <CodeOption code={code} description={description} />;
      }}
    />
  );
}

function CodeOption({ code, description }: { code: string; description?: string }) {
  return (
    <Text size="sm">
      <Text span fw={600}>
        {code}
      </Text>{' '}
      {description}
    </Text>
  );
}

/** The place of service, from the CMS list. */
export function PlaceOfServiceSelect({ label, value, onChange, error }: TextProps) {
  const places = useCodeList('places-of-service').data?.items ?? [];
  const data = places.map((item) => ({ value: item.code ?? '', label: `${item.code} ${item.description ?? ''}` }));
  if (value && !data.some((item) => item.value === value)) data.unshift({ value, label: value });
  return <Select label={label} searchable data={data} value={value || null} onChange={(next) => onChange(next ?? '')} error={error} />;
}

/** Up to four modifiers, from the list; the form keeps them comma separated. */
export function ModifiersSelect({ label, value, onChange, w }: TextProps) {
  const modifiers = useCodeList('modifiers').data?.items ?? [];
  const chosen = value.split(',').map((code) => code.trim()).filter(Boolean);
  const data = modifiers.map((item) => ({ value: item.code ?? '', label: `${item.code} ${item.description ?? ''}` }));
  for (const code of chosen) if (!data.some((item) => item.value === code)) data.push({ value: code, label: code });
  return (
    <MultiSelect
      w={w}
      label={label}
      searchable
      maxValues={4}
      data={data}
      value={chosen}
      onChange={(next) => onChange(next.join(', '))}
      comboboxProps={{ width: 320, position: 'bottom-start' }}
    />
  );
}
