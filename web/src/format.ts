import { locale } from './i18n';

// Amounts arrive from the API as decimal strings ("1234.50"). They are
// formatted without going through a float where the browser can: Intl
// formats a numeric string exactly.
export const currency = 'CNY';

// Intl formatters are costly to build (the explorer formats on every
// frame): one per language and options, kept.
const numberFormats = new Map<string, Intl.NumberFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

function numberFormat(opts: Intl.NumberFormatOptions): Intl.NumberFormat {
  const k = locale.value + JSON.stringify(opts);
  let f = numberFormats.get(k);
  if (!f) numberFormats.set(k, (f = new Intl.NumberFormat(locale.value, opts)));
  return f;
}

function dateFormat(opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const k = locale.value + JSON.stringify(opts);
  let f = dateFormats.get(k);
  if (!f) dateFormats.set(k, (f = new Intl.DateTimeFormat(locale.value, opts)));
  return f;
}

export function money(amount: string | undefined, curr = currency): string {
  if (amount === undefined || amount === '') return '—';
  return numberFormat({ style: 'currency', currency: curr }).format(
    amount as unknown as number,
  );
}

export function number(n: number | string | undefined, fractionDigits?: number): string {
  if (n === undefined || n === '') return '—';
  const opts: Intl.NumberFormatOptions =
    fractionDigits === undefined ? {} : { minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits };
  return numberFormat(opts).format(n as number);
}

export function date(iso: string | undefined): string {
  if (!iso) return '—';
  return dateFormat({ dateStyle: 'medium' }).format(new Date(iso));
}

// companyDate is the calendar day of an instant in the company's zone: a
// plan in force from midnight in Shanghai starts that day, whatever the
// browser's zone.
export function companyDate(iso: string | undefined, zone = companyZone): string {
  if (!iso) return '—';
  return dateFormat({ dateStyle: 'medium', timeZone: zone }).format(new Date(iso));
}

export function dateTime(iso: string | undefined): string {
  if (!iso) return '—';
  return dateFormat({ dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

// The company's time zone: settlement periods are calendar months (or
// weeks) there, whatever the browser's zone. A period from the API names
// the zone its boundaries were computed in; this is the default.
export const companyZone = 'Asia/Shanghai';

// periodLabel names a period ("November 2026", "2026年11月") from its
// start, read in the period's own zone; a week keeps its code.
export function periodLabel(p: { period: string; kind?: string; starts_at: string; time_zone?: string }): string {
  if (p.kind === 'week' || /W/.test(p.period)) return p.period;
  return dateFormat({ year: 'numeric', month: 'long', timeZone: p.time_zone || companyZone }).format(
    new Date(p.starts_at),
  );
}

// periodDates are a period's first and last day in its zone (the cut-off
// is the first instant after it).
export function periodDates(p: { starts_at: string; cutoff_at: string; time_zone?: string }): string {
  const f = dateFormat({ dateStyle: 'medium', timeZone: p.time_zone || companyZone });
  return f.formatRange(new Date(p.starts_at), new Date(new Date(p.cutoff_at).getTime() - 1));
}

// previousMonth is the code (YYYY-MM) of the calendar month before now's
// in zone: the month whose statement a member looks for first.
export function previousMonth(now: Date, zone = companyZone): string {
  const parts = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'numeric', timeZone: zone }).formatToParts(now);
  const y = Number(parts.find((x) => x.type === 'year')!.value);
  const m = Number(parts.find((x) => x.type === 'month')!.value);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}
