import { locale } from './i18n';

// Amounts arrive from the API as decimal strings ("1234.50"). They are
// formatted without going through a float where the browser can: Intl
// formats a numeric string exactly.
export const currency = 'CNY';

export function money(amount: string | undefined, curr = currency): string {
  if (amount === undefined || amount === '') return '—';
  return new Intl.NumberFormat(locale.value, { style: 'currency', currency: curr }).format(
    amount as unknown as number,
  );
}

export function number(n: number | string | undefined, fractionDigits?: number): string {
  if (n === undefined || n === '') return '—';
  const opts: Intl.NumberFormatOptions =
    fractionDigits === undefined ? {} : { minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits };
  return new Intl.NumberFormat(locale.value, opts).format(n as number);
}

export function date(iso: string | undefined): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium' }).format(new Date(iso));
}

export function dateTime(iso: string | undefined): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}
