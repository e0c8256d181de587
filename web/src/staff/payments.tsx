import { signal } from '@preact/signals';
import { useEffect, useRef, useState } from 'preact/hooks';
import { locale, t } from '../i18n';
import type { Messages } from '../i18n/en';
import { dateTime, money } from '../format';
import { describe, type Msg } from '../errors';
import { lost } from '../session';
import { newKey } from '../cart';
import { staffApi, type BulkResult, type DayFigure, type PaymentPage, type QueuedPayment } from './api';

const pageSize = 50;

// decisions counts the decisions made on this page, so that the figures
// below the queue read again after each.
const decisions = signal(0);

// duration says how long ms is, to the minute.
export function duration(m: Messages, ms: number): string {
  const min = Math.max(0, Math.floor(ms / 60000));
  return m.duration(Math.floor(min / 1440), Math.floor((min % 1440) / 60), min % 60);
}

// outcome is what the row of a decided payment says.
function outcome(r: BulkResult): Msg {
  if (r.ok) return r.result?.status === 'rejected' ? (m) => m.resultRejected : (m) => m.resultConfirmed;
  switch (r.status) {
    case 409:
      return (m) => m.refusedDecided;
    case 404:
      return (m) => m.refusedUnknown;
    case 422:
      return (m) => m.refusedInvalid;
  }
  return (m) => m.refusedOther(r.status);
}

type Action = 'confirm' | 'reject';

// attempt is a decision sent and not answered: a retry of the same
// decision goes under its key, so it cannot decide anything twice.
interface Attempt {
  action: Action;
  list: string;
  reason: string;
  key: string;
}

// PaymentQueue is finance's confirmation queue: the recorded payments,
// oldest first, decided one or many at a time.
export function PaymentQueue() {
  const m = t.value;
  const [cursors, setCursors] = useState<string[]>(['']);
  const [page, setPage] = useState<PaymentPage | null>(null);
  const [loadError, setLoadError] = useState<Msg | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [results, setResults] = useState<Record<string, BulkResult>>({});
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<Msg | null>(null);
  const [formError, setFormError] = useState<Msg | null>(null);
  const [summary, setSummary] = useState<Msg | null>(null);
  const [busy, setBusy] = useState(false);
  const [now, setNow] = useState(Date.now());
  const attempt = useRef<Attempt | null>(null);
  const reasonInput = useRef<HTMLInputElement>(null);
  const keys = useRef({ toggleAll: () => {}, decide: (_: Action) => {} });
  const cursor = cursors[cursors.length - 1];

  async function load() {
    setLoadError(null);
    try {
      const p = await staffApi.payments('recorded', pageSize, cursor);
      setPage(p);
      setSelected(new Set());
      setResults({});
      setNow(Date.now());
    } catch (e) {
      if (!lost(e)) setLoadError(describe(e));
    }
  }
  useEffect(() => {
    load();
  }, [cursor]);
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 30000);
    return () => clearInterval(id);
  }, []);

  const items = page?.items ?? [];
  const open = items.filter((p) => !results[p.no]?.ok);
  const chosen = open.filter((p) => selected.has(p.no)).map((p) => p.no);
  const allChosen = open.length > 0 && chosen.length === open.length;

  function toggle(no: string) {
    const s = new Set(selected);
    if (s.has(no)) s.delete(no);
    else s.add(no);
    setSelected(s);
    setFormError(null);
  }
  function toggleAll() {
    setSelected(allChosen ? new Set() : new Set(open.map((p) => p.no)));
    setFormError(null);
  }

  async function decide(action: Action) {
    if (busy) return;
    setSummary(null);
    setFormError(null);
    if (!chosen.length) {
      setFormError(() => (m: Messages) => m.nothingSelected);
      return;
    }
    const why = action === 'reject' ? reason.trim() : '';
    if (action === 'reject' && !why) {
      setReasonError(() => (m: Messages) => m.reasonRequired);
      reasonInput.current?.focus();
      return;
    }
    setReasonError(null);
    const list = chosen.join(',');
    const last = attempt.current;
    const key =
      last && last.action === action && last.list === list && last.reason === why ? last.key : newKey(`payments-${action}`);
    attempt.current = { action, list, reason: why, key };
    setBusy(true);
    try {
      const a = await staffApi.decide(action, chosen, why, key);
      attempt.current = null;
      const next = { ...results };
      for (const r of a.results) next[r.payment] = r;
      setResults(next);
      setSelected(new Set(chosen.filter((no) => !next[no]?.ok)));
      setSummary(() => (m: Messages) => m.decidedSummary(a.decided, a.refused));
      if (action === 'reject') setReason('');
      decisions.value++;
    } catch (e) {
      if (lost(e)) return;
      if (action === 'reject') setReasonError(() => describe(e, { 422: (m) => m.reasonRequired }));
      else setFormError(() => describe(e));
    } finally {
      setBusy(false);
    }
  }

  // Keys: j / k (or the arrows) move between rows, x selects, a selects
  // all, c confirms, r goes to the reason. Typing in a field is left alone.
  // The listener, added once, acts on this render's state through keys:
  // an effect would re-add it only after the next paint, and a key pressed
  // before then would act on the selection of the render before.
  keys.current = { toggleAll, decide };
  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const el = e.target as HTMLElement;
      if ((el.tagName === 'INPUT' && (el as HTMLInputElement).type !== 'checkbox') || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT')
        return;
      const boxes = Array.from(document.querySelectorAll<HTMLInputElement>('#payment-queue input.pick:not(:disabled)'));
      const at = boxes.indexOf(document.activeElement as HTMLInputElement);
      const move = (by: number) => {
        const to = boxes[at < 0 ? (by > 0 ? 0 : boxes.length - 1) : Math.min(boxes.length - 1, Math.max(0, at + by))];
        to?.focus();
      };
      switch (e.key) {
        case 'j':
        case 'ArrowDown':
          move(1);
          break;
        case 'k':
        case 'ArrowUp':
          move(-1);
          break;
        case 'x':
          if (at >= 0) boxes[at].click();
          break;
        case 'a':
          keys.current.toggleAll();
          break;
        case 'c':
          keys.current.decide('confirm');
          break;
        case 'r':
          reasonInput.current?.focus();
          break;
        default:
          return;
      }
      e.preventDefault();
    }
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  return (
    <main class="staff-page">
      <section class="card" id="payment-queue" aria-labelledby="queue-title">
        <div class="queue-head">
          <h1 id="queue-title">{m.paymentQueue}</h1>
          <div class="queue-tools">
            <button type="button" class="ghost" id="refresh" onClick={() => load()}>
              {m.refresh}
            </button>
            <a class="ghost button" id="export" href="/api/v1/payments.csv?status=recorded" download>
              {m.exportCsv}
            </a>
          </div>
        </div>
        <p class="hint" id="keys">
          {m.keyboardHint}
        </p>
        {loadError && (
          <p class="form-error" role="alert">
            {loadError(m)}
          </p>
        )}
        {page && !items.length && <p id="queue-empty">{m.queueEmpty}</p>}
        {items.length > 0 && (
          <>
            <div class="decide">
              <label class="check">
                <input type="checkbox" id="select-all" checked={allChosen} disabled={!open.length} onChange={toggleAll} />
                {m.selectAllOnPage}
              </label>
              <span class="count" id="selected-count" aria-live="polite">
                {m.selectedCount(chosen.length)}
              </span>
              <button type="button" id="confirm" disabled={busy} onClick={() => decide('confirm')}>
                {busy ? m.deciding : m.confirmSelected(chosen.length)}
              </button>
              <div class="field reason">
                <label for="reason">{m.rejectReason}</label>
                <input
                  id="reason"
                  ref={reasonInput}
                  value={reason}
                  aria-invalid={reasonError ? 'true' : undefined}
                  aria-describedby={reasonError ? 'reason-error' : undefined}
                  onInput={(e) => {
                    setReason(e.currentTarget.value);
                    setReasonError(null);
                  }}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter') decide('reject');
                  }}
                />
                {reasonError && (
                  <p class="field-error" id="reason-error" role="alert">
                    {reasonError(m)}
                  </p>
                )}
              </div>
              <button type="button" id="reject" class="danger" disabled={busy} onClick={() => decide('reject')}>
                {m.rejectSelected(chosen.length)}
              </button>
            </div>
            {formError && (
              <p class="form-error" id="decide-error" role="alert">
                {formError(m)}
              </p>
            )}
            {summary && (
              <p class="notice" id="decide-summary" role="status">
                {summary(m)}
              </p>
            )}
            <table class="queue">
              <thead>
                <tr>
                  <th scope="col">
                    <span class="sr-only">{m.selectAllOnPage}</span>
                  </th>
                  <th scope="col">{m.payNo}</th>
                  <th scope="col">{m.payOrder}</th>
                  <th scope="col">{m.payMember}</th>
                  <th scope="col" class="num">
                    {m.payAmount}
                  </th>
                  <th scope="col">{m.payMethod}</th>
                  <th scope="col">{m.payReference}</th>
                  <th scope="col">{m.payRecorded}</th>
                  <th scope="col">{m.payAge}</th>
                  <th scope="col">{m.payResult}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((p) => (
                  <Row key={p.no} p={p} m={m} now={now} picked={selected.has(p.no)} result={results[p.no]} onToggle={toggle} />
                ))}
              </tbody>
            </table>
          </>
        )}
        <nav class="pager" aria-label={m.paymentQueue}>
          <button type="button" class="ghost" id="prev-page" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
            {m.previousPage}
          </button>
          <button
            type="button"
            class="ghost"
            id="next-page"
            disabled={!page?.next}
            onClick={() => page?.next && setCursors([...cursors, page.next])}
          >
            {m.nextPage}
          </button>
        </nav>
      </section>
      <ConfirmationTimes />
      <RecentlyConfirmed />
    </main>
  );
}

function Row(props: {
  p: QueuedPayment;
  m: Messages;
  now: number;
  picked: boolean;
  result?: BulkResult;
  onToggle: (no: string) => void;
}) {
  const { p, m, now, picked, result } = props;
  const done = !!result?.ok;
  return (
    <tr data-payment={p.no} class={done ? 'decided' : result ? 'refused' : undefined}>
      <td class="pick-cell">
        <input
          type="checkbox"
          class="pick"
          id={`pick-${p.no}`}
          checked={picked && !done}
          disabled={done}
          aria-label={m.selectPayment(p.no)}
          onChange={() => props.onToggle(p.no)}
        />
      </td>
      <td data-label={m.payNo}>
        <label for={`pick-${p.no}`} class="mono">
          {p.no}
        </label>
      </td>
      <td data-label={m.payOrder}>
        <span class="mono">{p.order}</span>
      </td>
      <td data-label={m.payMember}>
        <span>{buyer(p)}</span>
      </td>
      <td data-label={m.payAmount} class="num amount">
        <span>{money(p.amount)}</span>
      </td>
      <td data-label={m.payMethod}>
        <span>{m.method(p.method)}</span>
      </td>
      <td data-label={m.payReference}>
        <span class="mono">{p.reference || '—'}</span>
      </td>
      <td data-label={m.payRecorded}>
        <span>{dateTime(p.recorded_at)}</span>
      </td>
      <td data-label={m.payAge} class="age">
        <span>{duration(m, now - new Date(p.recorded_at).getTime())}</span>
      </td>
      <td data-label={m.payResult} class="result" aria-live="polite">
        {result ? outcome(result)(m) : ''}
      </td>
    </tr>
  );
}

// buyer names who paid: the member (code and name), else the customer or
// the buying agency.
function buyer(p: QueuedPayment): string {
  return p.member ? `${p.member} ${p.member_name ?? ''}`.trim() : p.buyer || '—';
}

// day names a company day (YYYY-MM-DD) in the current language.
function day(d: string): string {
  return new Intl.DateTimeFormat(locale.value, { month: 'numeric', day: 'numeric', weekday: 'short', timeZone: 'UTC' }).format(
    new Date(d + 'T00:00:00Z'),
  );
}

// ConfirmationTimes shows how long payments waited for confirmation, per
// day: the company's pain is goods waiting on a late confirmation.
function ConfirmationTimes() {
  const m = t.value;
  const [days, setDays] = useState<DayFigure[] | null>(null);
  const [error, setError] = useState<Msg | null>(null);
  const n = decisions.value;
  useEffect(() => {
    staffApi.confirmationTimes(14).then(
      (r) => setDays(r.days),
      (e) => !lost(e) && setError(() => describe(e)),
    );
  }, [n]);
  const worst = Math.max(1, ...(days ?? []).map((d) => d.p90 ?? 0));
  return (
    <section class="card" id="confirmation-times" aria-labelledby="times-title">
      <h2 id="times-title">{m.confirmationTimes}</h2>
      <p class="hint">{m.confirmationTimesHint}</p>
      {error && <p class="form-error">{error(m)}</p>}
      {days && (
        <table class="times">
          <thead>
            <tr>
              <th scope="col">{m.day}</th>
              <th scope="col" class="num">
                {m.confirmedCount}
              </th>
              <th scope="col">{m.median}</th>
              <th scope="col">{m.p90}</th>
            </tr>
          </thead>
          <tbody>
            {days.map((d) => (
              <tr key={d.date} data-day={d.date}>
                <td>{day(d.date)}</td>
                <td class="num">{d.confirmed}</td>
                <td class="median">{d.median === undefined ? '—' : duration(m, d.median * 1000)}</td>
                <td class="p90">
                  {d.p90 === undefined ? (
                    '—'
                  ) : (
                    <span class="bar-figure">
                      <span class="bar-fill" style={{ width: `${Math.round((100 * d.p90) / worst)}%` }} aria-hidden="true" />
                      {duration(m, d.p90 * 1000)}
                    </span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

// RecentlyConfirmed lists the last confirmed payments with how long each
// waited.
function RecentlyConfirmed() {
  const m = t.value;
  const [items, setItems] = useState<QueuedPayment[] | null>(null);
  const [error, setError] = useState<Msg | null>(null);
  const n = decisions.value;
  useEffect(() => {
    staffApi.payments('confirmed', 10).then(
      (p) => setItems(p.items),
      (e) => !lost(e) && setError(() => describe(e)),
    );
  }, [n]);
  return (
    <section class="card" id="recently-confirmed" aria-labelledby="recent-title">
      <h2 id="recent-title">{m.recentlyConfirmed}</h2>
      {error && <p class="form-error">{error(m)}</p>}
      {items && !items.length && <p>{m.noneConfirmed}</p>}
      {items && items.length > 0 && (
        <table class="queue recent">
          <thead>
            <tr>
              <th scope="col">{m.payNo}</th>
              <th scope="col">{m.payMember}</th>
              <th scope="col" class="num">
                {m.payAmount}
              </th>
              <th scope="col">{m.confirmedAt}</th>
              <th scope="col">{m.waited}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((p) => (
              <tr key={p.no} data-payment={p.no}>
                <td data-label={m.payNo}>
                  <span class="mono">{p.no}</span>
                </td>
                <td data-label={m.payMember}>
                  <span>{buyer(p)}</span>
                </td>
                <td data-label={m.payAmount} class="num">
                  <span>{money(p.amount)}</span>
                </td>
                <td data-label={m.confirmedAt}>
                  <span>{dateTime(p.decided_at)}</span>
                </td>
                <td data-label={m.waited} class="waited">
                  <span>{duration(m, new Date(p.decided_at!).getTime() - new Date(p.recorded_at).getTime())}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
