import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n';
import type { Messages } from '../i18n/en';
import { describe, type Msg } from '../errors';
import { lost } from '../session';

// Cursor paging shared by the HQ lists: a stack of the cursors of the
// pages seen, so Previous goes back without the API paging backwards.
export function usePaged<T>(load: (cursor: string) => Promise<{ items: T[]; next?: string }>, deps: unknown[]) {
  const [cursors, setCursors] = useState<string[]>(['']);
  const [page, setPage] = useState<{ items: T[]; next?: string } | null>(null);
  const [error, setError] = useState<Msg | null>(null);
  const [tick, setTick] = useState(0);
  const cursor = cursors[cursors.length - 1];
  useEffect(() => setCursors(['']), deps);
  useEffect(() => {
    let live = true;
    setError(null);
    load(cursor).then(
      (p) => live && setPage(p),
      (e) => live && !lost(e) && setError(() => describe(e)),
    );
    return () => {
      live = false;
    };
  }, [cursor, tick, ...deps]);
  return {
    page,
    error,
    reload: () => setTick(tick + 1),
    pager: (label: string, id: string) => (
      <nav class="pager" aria-label={label}>
        <button
          type="button"
          class="ghost"
          id={`${id}-prev`}
          disabled={cursors.length < 2}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          {t.value.previousPage}
        </button>
        <button
          type="button"
          class="ghost"
          id={`${id}-next`}
          disabled={!page?.next}
          onClick={() => page?.next && setCursors([...cursors, page.next])}
        >
          {t.value.nextPage}
        </button>
      </nav>
    ),
  };
}

// downloadCsv saves rows (the first is the header) as a CSV file, quoted
// as RFC 4180 asks, with a byte-order mark so that spreadsheets read the
// Chinese text as UTF-8.
export function downloadCsv(name: string, rows: (string | number)[][]) {
  const cell = (v: string | number) => {
    const s = String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const text = '\ufeff' + rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

export function ErrorLine({ error, id }: { error: Msg | null; id?: string }) {
  if (!error) return null;
  return (
    <p class="form-error" id={id} role="alert">
      {error(t.value)}
    </p>
  );
}

// FieldError is a message under its field, named by the field's
// aria-describedby.
export function FieldError({ id, error, m }: { id: string; error: Msg | null | undefined; m: Messages }) {
  if (!error) return null;
  return (
    <p class="field-error" id={id} role="alert">
      {error(m)}
    </p>
  );
}

// today is the date in the company's time zone, YYYY-MM-DD.
export function today(zone = 'Asia/Shanghai', at = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}
