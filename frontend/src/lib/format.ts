// Money arrives as integer cents and is formatted here only; dates arrive as ISO strings and are
// shown in the browser's locale.
const dollars = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD' });
const wholeDollars = new Intl.NumberFormat(undefined, {
  style: 'currency',
  currency: 'USD',
  maximumFractionDigits: 0,
});

export function formatMoney(cents: number | null | undefined): string {
  if (cents == null) return '—';
  return dollars.format(cents / 100);
}

/** "$450" for progress texts: whole dollars when the amount has no cents. */
export function formatMoneyShort(cents: number): string {
  return cents % 100 === 0 ? wholeDollars.format(cents / 100) : dollars.format(cents / 100);
}

/** Dollars typed by a user ("1,234.5") to integer cents, or null when it is not an amount. */
export function parseMoneyToCents(text: string): number | null {
  const cleaned = text.replace(/[$,\s]/g, '');
  if (!/^\d+(\.\d{0,2})?$/.test(cleaned)) return null;
  const [whole, fraction = ''] = cleaned.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  // A date without a time is a calendar day: read it as local, not UTC midnight.
  const value = /^\d{4}-\d{2}-\d{2}$/.test(iso) ? new Date(`${iso}T00:00:00`) : new Date(iso);
  return value.toLocaleDateString();
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString();
}

export function formatPercent(fraction: number | null | undefined): string {
  if (fraction == null) return '—';
  return `${(fraction * 100).toFixed(1)}%`;
}

/** An X12 decimal amount ("-12.5", "100") to integer cents, exactly (no float arithmetic). */
export function x12AmountToCents(text: string | undefined): number | null {
  if (!text) return null;
  const match = /^(-?)(\d*)(?:\.(\d{0,2}))?$/.exec(text.trim());
  if (!match) return null;
  const cents = Number(match[2] || '0') * 100 + Number((match[3] ?? '').padEnd(2, '0'));
  return match[1] ? -cents : cents;
}
