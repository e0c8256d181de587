import { signal } from '@preact/signals';
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n';
import type { Messages } from '../i18n/en';
import { ApiError, request, seg } from '../api';
import { dateTime, money, number } from '../format';
import { describe, type Msg } from '../errors';
import { lost } from '../session';
import { newKey } from '../cart';
import { base, navigate } from '../router';
import { ErrorLine, FieldError, usePaged } from './lists';

// Finance's books: the journal (filtered, paged, exported), one entry with
// its lines and its reversal, and the balances per account as of a day
// with each account's holders and lines.

export interface JournalLine {
  account: string;
  holder?: string;
  amount: string;
}

export interface JournalEntry {
  id: number;
  kind: string;
  ref: string;
  memo?: string;
  op_key?: string;
  reverses?: number;
  reversed_by?: number;
  by: string;
  posted_at: string;
  debits?: string;
  lines?: JournalLine[];
}

export interface AccountBalance {
  account: string;
  name: string;
  type: string;
  per_holder?: boolean;
  holders?: number;
  balance: string;
}

export interface AccountLine {
  line: number;
  entry: number;
  kind: string;
  ref: string;
  memo?: string;
  posted_at: string;
  holder?: string;
  amount: string;
}

export interface JournalFilter {
  account: string;
  kind: string;
  ref: string;
  from: string;
  to: string;
}

type Page<T> = { items: T[]; next?: string };

function qs(params: Record<string, string | number | undefined>): string {
  const q = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join('&');
  return q ? '?' + q : '';
}

export const booksApi = {
  journal: (f: JournalFilter, cursor: string, limit = 50) =>
    request<Page<JournalEntry>>('GET', '/journal' + qs({ ...f, cursor, limit })),
  journalCsv: (f: JournalFilter) => '/api/v1/journal.csv' + qs({ ...f }),
  kinds: () => request<string[]>('GET', '/journal-kinds'),
  entry: (id: string) => request<JournalEntry>('GET', `/journal/${seg(id)}`),
  reverse: (id: number, memo: string, key: string) => request<JournalEntry>('POST', `/journal/${id}/reverse`, { memo }, key),
  balances: (asOf: string) => request<AccountBalance[]>('GET', '/balances' + qs({ as_of: asOf })),
  holders: (account: string, asOf: string, cursor: string) =>
    request<Page<{ holder: string; balance: string }>>('GET', `/accounts/${seg(account)}/holders` + qs({ as_of: asOf, cursor, limit: 50 })),
  lines: (account: string, holder: string, asOf: string, cursor: string) =>
    request<Page<AccountLine>>('GET', `/accounts/${seg(account)}/lines` + qs({ holder, as_of: asOf, cursor, limit: 50 })),
};

// cents reads a decimal string with at most two decimals ("-100.5") as a
// whole number of cents, so that sums are exact.
export function cents(s: string): bigint {
  const neg = s.startsWith('-');
  const [w, f = ''] = s.replace(/^[-+]/, '').split('.');
  const v = BigInt(w || '0') * 100n + BigInt((f + '00').slice(0, 2));
  return neg ? -v : v;
}

// decimal writes cents back as a decimal string with two decimals.
export function decimal(c: bigint): string {
  const neg = c < 0n;
  const a = neg ? -c : c;
  return `${neg ? '-' : ''}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
}

// The filter and the day of the balances stay while finance goes into an
// entry or an account and back.
const filter = signal<JournalFilter>({ account: '', kind: '', ref: '', from: '', to: '' });
const asOf = signal('');
// The chart of accounts, read once.
const chart = signal<AccountBalance[] | null>(null);

function useChart(): AccountBalance[] {
  useEffect(() => {
    if (!chart.value) booksApi.balances('').then((b) => (chart.value = b), () => {});
  }, []);
  return chart.value ?? [];
}

function accountName(m: Messages, code: string): string {
  return m.bkAccountName(code, chart.value?.find((a) => a.account === code)?.name ?? '');
}

function go(e: Event, to: string) {
  e.preventDefault();
  navigate(to);
}

const entryHref = (id: number) => `${base}finance/journal/${id}`;

// EntryLink is a link to a journal entry: #id.
function EntryLink({ id, m }: { id: number; m: Messages }) {
  return (
    <a href={entryHref(id)} class="mono" aria-label={m.bkEntryNo(id)} onClick={(e) => go(e, entryHref(id))}>
      #{id}
    </a>
  );
}

// JournalPage is /staff/finance/journal: entries newest first, filtered by
// account, kind, reference and days, a page at a time, and as CSV.
export function JournalPage() {
  const m = t.value;
  const accounts = useChart();
  const [kinds, setKinds] = useState<string[]>([]);
  const [draft, setDraft] = useState<JournalFilter>(filter.value);
  const [rangeError, setRangeError] = useState<Msg | null>(null);
  useEffect(() => {
    booksApi.kinds().then(setKinds, () => {});
  }, []);
  const f = filter.value;
  const { page, error, pager, reload } = usePaged<JournalEntry>((cursor) => booksApi.journal(f, cursor), [JSON.stringify(f)]);
  function apply(e: Event) {
    e.preventDefault();
    if (draft.from && draft.to && draft.from > draft.to) {
      setRangeError(() => (m: Messages) => m.bkRangeBackwards);
      return;
    }
    setRangeError(null);
    filter.value = { ...draft, ref: draft.ref.trim() };
  }
  function clear() {
    const none = { account: '', kind: '', ref: '', from: '', to: '' };
    setDraft(none);
    setRangeError(null);
    filter.value = none;
  }
  const set = (k: keyof JournalFilter) => (e: { currentTarget: HTMLInputElement | HTMLSelectElement }) =>
    setDraft({ ...draft, [k]: e.currentTarget.value });
  const items = page?.items ?? [];
  return (
    <main class="staff-page books">
      <section class="card" id="journal" aria-labelledby="journal-title">
        <div class="queue-head">
          <h1 id="journal-title">{m.bkJournal}</h1>
          <div class="queue-tools">
            <button type="button" class="ghost" id="journal-refresh" onClick={reload}>
              {m.refresh}
            </button>
            <a class="ghost button" id="journal-export" href={booksApi.journalCsv(f)} download>
              {m.exportCsv}
            </a>
          </div>
        </div>
        <form class="ship-form filters" id="journal-filter" onSubmit={apply}>
          <div class="field">
            <label for="jf-account">{m.bkAccount}</label>
            <select id="jf-account" value={draft.account} onChange={set('account')}>
              <option value="">{m.bkAllAccounts}</option>
              {accounts.map((a) => (
                <option key={a.account} value={a.account}>
                  {a.account} · {m.bkAccountName(a.account, a.name)}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="jf-kind">{m.bkKind}</label>
            <select id="jf-kind" value={draft.kind} onChange={set('kind')}>
              <option value="">{m.bkAllKinds}</option>
              {kinds.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="jf-ref">{m.bkRef}</label>
            <input id="jf-ref" type="search" value={draft.ref} onInput={set('ref')} />
          </div>
          <div class="field">
            <label for="jf-from">{m.bkFrom}</label>
            <input id="jf-from" type="date" value={draft.from} onInput={set('from')} />
          </div>
          <div class="field">
            <label for="jf-to">{m.bkTo}</label>
            <input
              id="jf-to"
              type="date"
              value={draft.to}
              onInput={set('to')}
              aria-invalid={rangeError ? 'true' : undefined}
              aria-describedby={rangeError ? 'jf-to-error' : undefined}
            />
            <FieldError id="jf-to-error" error={rangeError} m={m} />
          </div>
          <button type="submit" id="jf-apply">
            {m.bkApply}
          </button>
          <button type="button" class="ghost" id="jf-clear" onClick={clear}>
            {m.bkClear}
          </button>
        </form>
        <p class="hint">{m.bkDaysHint}</p>
        <ErrorLine error={error} id="journal-error" />
        {page && !items.length && <p id="journal-empty">{m.bkNoEntries}</p>}
        {items.length > 0 && (
          <table class="queue recent" id="journal-list">
            <thead>
              <tr>
                <th scope="col">{m.bkEntry}</th>
                <th scope="col">{m.bkPostedAt}</th>
                <th scope="col">{m.bkKind}</th>
                <th scope="col">{m.bkRef}</th>
                <th scope="col" class="num">
                  {m.bkAmount}
                </th>
                <th scope="col">{m.bkBy}</th>
                <th scope="col">{m.bkState}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => (
                <tr key={e.id} data-entry={e.id}>
                  <td data-label={m.bkEntry}>
                    <EntryLink id={e.id} m={m} />
                  </td>
                  <td data-label={m.bkPostedAt}>
                    <span>{dateTime(e.posted_at)}</span>
                  </td>
                  <td data-label={m.bkKind}>
                    <span class="mono">{e.kind}</span>
                  </td>
                  <td data-label={m.bkRef}>
                    <span class="mono">{e.ref || '—'}</span>
                  </td>
                  <td data-label={m.bkAmount} class="num">
                    <span>{money(e.debits)}</span>
                  </td>
                  <td data-label={m.bkBy}>
                    <span>{e.by}</span>
                  </td>
                  <td data-label={m.bkState}>
                    <State e={e} m={m} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {pager(m.bkJournal, 'journal')}
      </section>
    </main>
  );
}

function State({ e, m }: { e: JournalEntry; m: Messages }) {
  if (e.reversed_by)
    return (
      <span class="state reversed">
        {m.bkReversedBy} <EntryLink id={e.reversed_by} m={m} />
      </span>
    );
  if (e.reverses)
    return (
      <span class="state">
        {m.bkReverses} <EntryLink id={e.reverses} m={m} />
      </span>
    );
  return <span>—</span>;
}

// reversal is a reversal sent and not answered: a retry of the same memo
// goes under its key, so that it cannot post twice.
interface Reversal {
  entry: number;
  memo: string;
  key: string;
}

// EntryPage is /staff/finance/journal/{id}: an entry with its lines,
// debits against credits, and its reversal with a reason.
export function EntryPage({ id }: { id: string }) {
  const m = t.value;
  useChart();
  const [entry, setEntry] = useState<JournalEntry | null>(null);
  const [error, setError] = useState<Msg | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setError(null);
    booksApi.entry(id).then(
      (e) => live && setEntry(e),
      (e) => live && !lost(e) && setError(() => describe(e, { 404: (m) => m.bkNoSuchEntry })),
    );
    return () => {
      live = false;
    };
  }, [id, tick]);
  const back = base + 'finance/journal';
  return (
    <main class="staff-page books">
      <p>
        <a href={back} id="back-to-journal" onClick={(e) => go(e, back)}>
          ← {m.bkJournal}
        </a>
      </p>
      <ErrorLine error={error} id="entry-error" />
      {entry && <EntryCard e={entry} m={m} />}
      {entry && <ReverseForm e={entry} m={m} onDone={() => setTick(tick + 1)} />}
    </main>
  );
}

function EntryCard({ e, m }: { e: JournalEntry; m: Messages }) {
  const lines = e.lines ?? [];
  let dr = 0n;
  let cr = 0n;
  for (const l of lines) {
    const c = cents(l.amount);
    if (c > 0n) dr += c;
    else cr -= c;
  }
  return (
    <section class="card" id="entry" aria-labelledby="entry-title" data-entry={e.id}>
      <h1 id="entry-title">{m.bkEntryNo(e.id)}</h1>
      <dl class="facts">
        <dt>{m.bkKind}</dt>
        <dd class="mono">{e.kind}</dd>
        <dt>{m.bkRef}</dt>
        <dd class="mono">{e.ref || '—'}</dd>
        <dt>{m.bkPostedAt}</dt>
        <dd>{dateTime(e.posted_at)}</dd>
        <dt>{m.bkBy}</dt>
        <dd>{e.by}</dd>
        {e.memo && (
          <>
            <dt>{m.bkMemo}</dt>
            <dd id="entry-memo">{e.memo}</dd>
          </>
        )}
        <dt>{m.bkState}</dt>
        <dd id="entry-state">
          <State e={e} m={m} />
        </dd>
      </dl>
      <table class="queue recent" id="entry-lines">
        <thead>
          <tr>
            <th scope="col">{m.bkAccount}</th>
            <th scope="col">{m.bkHolder}</th>
            <th scope="col" class="num">
              {m.bkDebit}
            </th>
            <th scope="col" class="num">
              {m.bkCredit}
            </th>
          </tr>
        </thead>
        <tbody>
          {lines.map((l, i) => {
            const c = cents(l.amount);
            return (
              <tr key={i}>
                <td data-label={m.bkAccount}>
                  <span>
                    <span class="mono">{l.account}</span> {accountName(m, l.account)}
                  </span>
                </td>
                <td data-label={m.bkHolder}>
                  <span class="mono">{l.holder || '—'}</span>
                </td>
                <td data-label={m.bkDebit} class="num">
                  <span>{c > 0n ? money(l.amount) : ''}</span>
                </td>
                <td data-label={m.bkCredit} class="num">
                  <span>{c < 0n ? money(decimal(-c)) : ''}</span>
                </td>
              </tr>
            );
          })}
        </tbody>
        <tfoot>
          <tr class="totals">
            <th scope="row">{m.bkTotals}</th>
            <td />
            <td data-label={m.bkDebit} class="num" id="entry-debits">
              <span>{money(decimal(dr))}</span>
            </td>
            <td data-label={m.bkCredit} class="num" id="entry-credits">
              <span>{money(decimal(cr))}</span>
            </td>
          </tr>
        </tfoot>
      </table>
      <p class={dr === cr ? 'notice' : 'form-error'} id="entry-balanced">
        {dr === cr ? m.bkBalanced : m.bkUnbalanced}
      </p>
    </section>
  );
}

function ReverseForm({ e, m, onDone }: { e: JournalEntry; m: Messages; onDone: () => void }) {
  const [memo, setMemo] = useState('');
  const [memoError, setMemoError] = useState<Msg | null>(null);
  const [formError, setFormError] = useState<Msg | null>(null);
  const [done, setDone] = useState<JournalEntry | null>(null);
  const [busy, setBusy] = useState(false);
  const attempt = useRef<Reversal | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  if (e.reverses)
    return (
      <section class="card" id="reverse">
        <p class="hint">{m.bkIsReversal}</p>
      </section>
    );
  async function submit(ev: Event) {
    ev.preventDefault();
    if (busy) return;
    setFormError(null);
    const why = memo.trim();
    if (!why) {
      setMemoError(() => (m: Messages) => m.bkReasonRequired);
      input.current?.focus();
      return;
    }
    setMemoError(null);
    const last = attempt.current;
    const key = last && last.entry === e.id && last.memo === why ? last.key : newKey('journal-reverse');
    attempt.current = { entry: e.id, memo: why, key };
    setBusy(true);
    try {
      const r = await booksApi.reverse(e.id, why, key);
      attempt.current = null;
      setDone(r);
      setMemo('');
      onDone();
    } catch (err) {
      if (lost(err)) return;
      if (err instanceof ApiError && err.status === 409) {
        attempt.current = null;
        setFormError(() => (m: Messages) => m.bkAlreadyReversed);
        onDone();
      } else if (err instanceof ApiError && err.status === 422) {
        setMemoError(() => (m: Messages) => m.bkReasonRequired);
      } else setFormError(() => describe(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <section class="card" id="reverse" aria-labelledby="reverse-title">
      <h2 id="reverse-title">{m.bkReverseTitle}</h2>
      {done && (
        <p class="notice" id="reverse-done" role="status">
          {m.bkReversedAs} <EntryLink id={done.id} m={m} />
        </p>
      )}
      <ErrorLine error={formError} id="reverse-error" />
      {!e.reversed_by && (
        <form onSubmit={submit} id="reverse-form">
          <p class="hint">{m.bkReverseHint}</p>
          <div class="field">
            <label for="reverse-memo">{m.bkReason}</label>
            <textarea
              id="reverse-memo"
              ref={input}
              rows={2}
              value={memo}
              aria-invalid={memoError ? 'true' : undefined}
              aria-describedby={memoError ? 'reverse-memo-error' : undefined}
              onInput={(x) => {
                setMemo(x.currentTarget.value);
                setMemoError(null);
              }}
            />
            <FieldError id="reverse-memo-error" error={memoError} m={m} />
          </div>
          <button type="submit" class="danger" id="reverse-submit" disabled={busy}>
            {busy ? m.bkReversing : m.bkReverse}
          </button>
        </form>
      )}
      {e.reversed_by && !done && !formError && <p id="reverse-closed">{m.bkAlreadyReversed}</p>}
    </section>
  );
}

// side splits a balance into the debit and credit columns.
function side(balance: string): [string, string] {
  const c = cents(balance);
  if (c > 0n) return [money(decimal(c)), ''];
  if (c < 0n) return ['', money(decimal(-c))];
  return [money('0'), ''];
}

const accountHref = (code: string) => `${base}finance/balances/${code}`;

// BalancesPage is /staff/finance/balances: every account's balance as of
// the end of a day (or now), debits against credits.
export function BalancesPage() {
  const m = t.value;
  const [rows, setRows] = useState<AccountBalance[] | null>(null);
  const [error, setError] = useState<Msg | null>(null);
  const [day, setDay] = useState(asOf.value);
  useEffect(() => {
    let live = true;
    setError(null);
    booksApi.balances(asOf.value).then(
      (b) => live && setRows(b),
      (e) => live && !lost(e) && setError(() => describe(e)),
    );
    return () => {
      live = false;
    };
  }, [asOf.value]);
  let dr = 0n;
  let cr = 0n;
  for (const r of rows ?? []) {
    const c = cents(r.balance);
    if (c > 0n) dr += c;
    else cr -= c;
  }
  return (
    <main class="staff-page books">
      <section class="card" id="balances" aria-labelledby="balances-title">
        <h1 id="balances-title">{m.bkBalances}</h1>
        <form
          class="ship-form filters"
          id="balances-form"
          onSubmit={(e) => {
            e.preventDefault();
            asOf.value = day;
          }}
        >
          <div class="field">
            <label for="as-of">{m.bkAsOf}</label>
            <input id="as-of" type="date" value={day} onInput={(e) => setDay(e.currentTarget.value)} />
          </div>
          <button type="submit" id="as-of-apply">
            {m.bkApply}
          </button>
          <button
            type="button"
            class="ghost"
            id="as-of-now"
            onClick={() => {
              setDay('');
              asOf.value = '';
            }}
          >
            {m.bkNow}
          </button>
        </form>
        <p class="hint" id="balances-when">
          {asOf.value ? m.bkAsOfEnd(asOf.value) : m.bkAsOfNow}
        </p>
        <ErrorLine error={error} id="balances-error" />
        {rows && (
          <table class="queue recent" id="balances-list">
            <thead>
              <tr>
                <th scope="col">{m.bkAccount}</th>
                <th scope="col">{m.bkType}</th>
                <th scope="col" class="num">
                  {m.bkDebit}
                </th>
                <th scope="col" class="num">
                  {m.bkCredit}
                </th>
                <th scope="col">{m.bkHolders}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => {
                const [d, c] = side(r.balance);
                return (
                  <tr key={r.account} data-account={r.account}>
                    <td data-label={m.bkAccount}>
                      <a href={accountHref(r.account)} onClick={(e) => go(e, accountHref(r.account))}>
                        <span class="mono">{r.account}</span> {m.bkAccountName(r.account, r.name)}
                      </a>
                    </td>
                    <td data-label={m.bkType}>
                      <span>{m.bkAccountType(r.type)}</span>
                    </td>
                    <td data-label={m.bkDebit} class="num debit">
                      <span>{d}</span>
                    </td>
                    <td data-label={m.bkCredit} class="num credit">
                      <span>{c}</span>
                    </td>
                    <td data-label={m.bkHolders}>
                      <span>{r.per_holder ? number(r.holders ?? 0) : '—'}</span>
                    </td>
                  </tr>
                );
              })}
            </tbody>
            <tfoot>
              <tr class="totals">
                <th scope="row">{m.bkTotals}</th>
                <td />
                <td data-label={m.bkDebit} class="num" id="balances-debits">
                  <span>{money(decimal(dr))}</span>
                </td>
                <td data-label={m.bkCredit} class="num" id="balances-credits">
                  <span>{money(decimal(cr))}</span>
                </td>
                <td />
              </tr>
            </tfoot>
          </table>
        )}
        {rows && (
          <p class={dr === cr ? 'notice' : 'form-error'} id="balances-balanced">
            {dr === cr ? m.bkTrialBalanced : m.bkUnbalanced}
          </p>
        )}
      </section>
    </main>
  );
}

// AccountPage is /staff/finance/balances/{code}: an account's balance, its
// holders (per-holder accounts) and its lines, as of the chosen day.
export function AccountPage({ code }: { code: string }) {
  const m = t.value;
  useChart();
  const acct = chart.value?.find((a) => a.account === code);
  const [holder, setHolder] = useState('');
  const day = asOf.value;
  const [balance, setBalance] = useState<AccountBalance | null>(null);
  useEffect(() => {
    let live = true;
    booksApi.balances(day).then((b) => live && setBalance(b.find((a) => a.account === code) ?? null), () => {});
    return () => {
      live = false;
    };
  }, [code, day]);
  const holders = usePaged((cursor) => (acct?.per_holder ? booksApi.holders(code, day, cursor) : Promise.resolve({ items: [] })), [
    code,
    day,
    acct?.per_holder,
  ]);
  const lines = usePaged<AccountLine>((cursor) => booksApi.lines(code, holder, day, cursor), [code, holder, day]);
  const back = base + 'finance/balances';
  const journal = () => {
    filter.value = { account: code, kind: '', ref: '', from: '', to: day };
    navigate(base + 'finance/journal');
  };
  return (
    <main class="staff-page books">
      <p>
        <a href={back} id="back-to-balances" onClick={(e) => go(e, back)}>
          ← {m.bkBalances}
        </a>
      </p>
      <section class="card" id="account" aria-labelledby="account-title">
        <div class="queue-head">
          <h1 id="account-title">
            <span class="mono">{code}</span> {accountName(m, code)}
          </h1>
          <div class="queue-tools">
            <button type="button" class="ghost" id="account-journal" onClick={journal}>
              {m.bkOpenJournal}
            </button>
          </div>
        </div>
        <p class="hint">{day ? m.bkAsOfEnd(day) : m.bkAsOfNow}</p>
        {balance && (
          <p id="account-balance">
            {m.bkBalance}: {side(balance.balance)[0] ? `${m.bkDebit} ${side(balance.balance)[0]}` : `${m.bkCredit} ${side(balance.balance)[1]}`}
          </p>
        )}
        {acct?.per_holder && (
          <>
            <h2>{m.bkHolders}</h2>
            <ErrorLine error={holders.error} />
            {holders.page && !holders.page.items.length && <p>{m.bkNoHolders}</p>}
            {holders.page && holders.page.items.length > 0 && (
              <table class="queue recent" id="holders-list">
                <thead>
                  <tr>
                    <th scope="col">{m.bkHolder}</th>
                    <th scope="col" class="num">
                      {m.bkDebit}
                    </th>
                    <th scope="col" class="num">
                      {m.bkCredit}
                    </th>
                    <th scope="col">
                      <span class="sr-only">{m.bkLines}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {holders.page.items.map((h) => {
                    const [d, c] = side(h.balance);
                    return (
                      <tr key={h.holder} data-holder={h.holder} class={h.holder === holder ? 'chosen' : undefined}>
                        <td data-label={m.bkHolder}>
                          <span class="mono">{h.holder}</span>
                        </td>
                        <td data-label={m.bkDebit} class="num">
                          <span>{d}</span>
                        </td>
                        <td data-label={m.bkCredit} class="num">
                          <span>{c}</span>
                        </td>
                        <td data-label={m.bkLines}>
                          <button type="button" class="ghost" onClick={() => setHolder(h.holder === holder ? '' : h.holder)}>
                            {h.holder === holder ? m.bkAllHolders : m.bkHolderLines(h.holder)}
                          </button>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )}
            {holders.pager(m.bkHolders, 'holders')}
          </>
        )}
        <h2 id="lines-title">{holder ? m.bkHolderLines(holder) : m.bkLines}</h2>
        <ErrorLine error={lines.error} />
        {lines.page && !lines.page.items.length && <p id="lines-empty">{m.bkNoEntries}</p>}
        {lines.page && lines.page.items.length > 0 && (
          <table class="queue recent" id="account-lines">
            <thead>
              <tr>
                <th scope="col">{m.bkEntry}</th>
                <th scope="col">{m.bkPostedAt}</th>
                <th scope="col">{m.bkKind}</th>
                <th scope="col">{m.bkRef}</th>
                <th scope="col">{m.bkHolder}</th>
                <th scope="col" class="num">
                  {m.bkDebit}
                </th>
                <th scope="col" class="num">
                  {m.bkCredit}
                </th>
              </tr>
            </thead>
            <tbody>
              {lines.page.items.map((l) => {
                const [d, c] = side(l.amount);
                return (
                  <tr key={l.line} data-entry={l.entry}>
                    <td data-label={m.bkEntry}>
                      <EntryLink id={l.entry} m={m} />
                    </td>
                    <td data-label={m.bkPostedAt}>
                      <span>{dateTime(l.posted_at)}</span>
                    </td>
                    <td data-label={m.bkKind}>
                      <span class="mono">{l.kind}</span>
                    </td>
                    <td data-label={m.bkRef}>
                      <span class="mono">{l.ref || '—'}</span>
                    </td>
                    <td data-label={m.bkHolder}>
                      <span class="mono">{l.holder || '—'}</span>
                    </td>
                    <td data-label={m.bkDebit} class="num">
                      <span>{d}</span>
                    </td>
                    <td data-label={m.bkCredit} class="num">
                      <span>{c}</span>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        {lines.pager(m.bkLines, 'lines')}
      </section>
    </main>
  );
}
