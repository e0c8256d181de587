import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api';
import {
  ageHours,
  categories,
  deskApi,
  length,
  maxText,
  sorts,
  stateOf,
  states,
  type SLA,
  type Ticket,
  type TicketFilter,
} from '../desk';
import { describe, type Msg } from '../errors';
import { dateTime } from '../format';
import { t } from '../i18n';
import type { Messages } from '../i18n/en';
import { base, navigate } from '../router';
import { lost, user } from '../session';
import { History, Photos, TicketHead } from '../tickets';
import type { Picture } from '../content';
import { downloadCsv, usePaged } from './lists';
import '../desk.css';

const pageSize = 50;

function owner(tk: Ticket, m: Messages): string {
  return tk.member ? `${tk.member_name ?? ''} (${tk.member})` : m.deskCustomer(tk.customer ?? '');
}

// TicketBoard is HQ's board: every ticket by state, category and age,
// the overdue first unless sorted otherwise, a page at a time.
export function TicketBoard() {
  const m = t.value;
  const [filter, setFilter] = useState<TicketFilter>({ sort: 'due' });
  const [q, setQ] = useState('');
  const { page, error, pager } = usePaged((cursor) => deskApi.list(filter, pageSize, cursor), [filter]);
  const change = (f: Partial<TicketFilter>) => setFilter({ ...filter, ...f });
  const now = Date.now();
  const rows = page?.items ?? [];
  const csv = () =>
    downloadCsv('tickets.csv', [
      ['no', 'subject', 'member', 'customer', 'category', 'state', 'escalated', 'overdue', 'assignee', 'opened_at', 'due_at'],
      ...rows.map((tk) => [
        tk.no,
        tk.subject,
        tk.member ?? '',
        tk.customer ?? '',
        tk.category,
        tk.state,
        String(tk.escalated),
        String(tk.overdue),
        tk.assignee ?? '',
        tk.opened_at,
        tk.due_at,
      ]),
    ]);
  return (
    <main class="staff-page desk-board">
      <section class="card" id="ticket-board" aria-labelledby="board-title">
        <div class="queue-head">
          <h1 id="board-title">{m.deskBoard}</h1>
          <div class="queue-tools">
            <button type="button" class="ghost" id="tickets-csv" disabled={rows.length === 0} onClick={csv}>
              {m.deskExportCSV}
            </button>
          </div>
        </div>
        <form
          class="desk-filters"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            change({ q: q.trim() });
          }}
        >
          <div class="field">
            <label for="filter-state">{m.deskStateFilter}</label>
            <select id="filter-state" value={filter.state ?? ''} onChange={(e) => change({ state: e.currentTarget.value })}>
              <option value="">{m.deskAllStates}</option>
              {states.map((s) => (
                <option key={s} value={s}>
                  {m.deskStaffState(s)}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="filter-category">{m.deskCategory}</label>
            <select id="filter-category" value={filter.category ?? ''} onChange={(e) => change({ category: e.currentTarget.value })}>
              <option value="">{m.deskAllCategories}</option>
              {categories.map((c) => (
                <option key={c} value={c}>
                  {m.deskCategoryName(c)}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="filter-sort">{m.deskSort}</label>
            <select id="filter-sort" value={filter.sort} onChange={(e) => change({ sort: e.currentTarget.value })}>
              {sorts.map((s) => (
                <option key={s} value={s}>
                  {m.deskSortBy(s)}
                </option>
              ))}
            </select>
          </div>
          <label class="check">
            <input type="checkbox" id="filter-overdue" checked={!!filter.overdue} onChange={(e) => change({ overdue: e.currentTarget.checked })} />
            {m.deskOverdueOnly}
          </label>
          <div class="field">
            <label for="filter-q">{m.deskSearch}</label>
            <input id="filter-q" type="search" value={q} placeholder={m.deskSearchHint} onInput={(e) => setQ(e.currentTarget.value)} />
          </div>
          <button type="submit" class="ghost">
            {m.deskSearch}
          </button>
        </form>
        {error && (
          <p class="form-error" role="alert">
            {error(m)}
          </p>
        )}
        {page && rows.length === 0 && <p class="empty">{m.deskBoardEmpty}</p>}
        {rows.length > 0 && (
          <table class="queue recent" id="tickets">
            <thead>
              <tr>
                <th>{m.deskTickets}</th>
                <th>{m.deskSubject}</th>
                <th>{m.deskOwner}</th>
                <th>{m.deskCategory}</th>
                <th>{m.deskStateFilter}</th>
                <th class="num">{m.deskAge}</th>
                <th>{m.deskDueAt}</th>
                <th>{m.deskAssignee}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((tk) => (
                <tr key={tk.no} data-ticket={tk.no} class={tk.overdue ? 'overdue' : undefined}>
                  <td data-label={m.deskTickets}>
                    <a
                      class="mono"
                      href={base + 'tickets/' + tk.no}
                      onClick={(e) => {
                        e.preventDefault();
                        navigate(base + 'tickets/' + tk.no);
                      }}
                    >
                      {tk.no}
                    </a>
                  </td>
                  <td data-label={m.deskSubject} class="ticket-subject">
                    {tk.subject}
                  </td>
                  <td data-label={m.deskOwner}>{owner(tk, m)}</td>
                  <td data-label={m.deskCategory}>{m.deskCategoryName(tk.category)}</td>
                  <td data-label={m.deskStateFilter}>
                    <span>
                      <span class={`badge state-${stateOf(tk)}`}>{m.deskStaffState(stateOf(tk))}</span>
                    </span>
                  </td>
                  <td data-label={m.deskAge} class="num">
                    {m.deskAgeOf(ageHours(tk, now))}
                  </td>
                  <td data-label={m.deskDueAt}>
                    <span>
                      {dateTime(tk.due_at)} {tk.overdue && <span class="badge overdue">{m.deskOverdue}</span>}
                    </span>
                  </td>
                  <td data-label={m.deskAssignee}>{tk.assignee ?? m.deskUnassigned}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p class="hint" id="tickets-shown">
          {m.deskShown(rows.length)}
        </p>
        {pager(m.deskBoard, 'tickets')}
      </section>
      <SLAEditor />
    </main>
  );
}

// SLAEditor sets each category's SLA, in hours; tickets opened from then
// on are due accordingly.
function SLAEditor() {
  const m = t.value;
  const [slas, setSLAs] = useState<SLA[]>([]);
  const [hours, setHours] = useState<Record<string, string>>({});
  const [result, setResult] = useState<Record<string, { ok: boolean; msg: Msg }>>({});
  useEffect(() => {
    deskApi.categories().then(
      (l) => {
        setSLAs(l);
        setHours(Object.fromEntries(l.map((s) => [s.category, String(s.hours)])));
      },
      () => undefined,
    );
  }, []);
  const save = async (e: Event, c: string) => {
    e.preventDefault();
    const v = hours[c]?.trim() ?? '';
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < 1 || n > 2160) {
      setResult({ ...result, [c]: { ok: false, msg: (m) => m.deskSLAInvalid } });
      document.getElementById(`sla-${c}`)?.focus();
      return;
    }
    try {
      const s = await deskApi.setSLA(c, n);
      setSLAs(slas.map((x) => (x.category === c ? s : x)));
      setResult({ ...result, [c]: { ok: true, msg: (m) => m.deskSLASaved } });
    } catch (err) {
      if (!lost(err)) setResult({ ...result, [c]: { ok: false, msg: describe(err, { 422: (m) => m.deskSLAInvalid }) } });
    }
  };
  return (
    <details class="card" id="sla-editor">
      <summary>{m.deskSLATitle}</summary>
      <p class="hint">{m.deskSLAHint}</p>
      {slas.map((s) => {
        const r = result[s.category];
        return (
          <form key={s.category} class="sla-row" onSubmit={(e) => save(e, s.category)} noValidate>
            <label for={`sla-${s.category}`}>{m.deskCategoryName(s.category)}</label>
            <input
              id={`sla-${s.category}`}
              inputMode="numeric"
              value={hours[s.category] ?? ''}
              onInput={(e) => setHours({ ...hours, [s.category]: e.currentTarget.value })}
              aria-invalid={r && !r.ok ? 'true' : undefined}
              aria-describedby={r ? `sla-${s.category}-result` : undefined}
            />
            <span>{m.deskHours}</span>
            <button type="submit" class="ghost" id={`sla-${s.category}-save`}>
              {m.deskSave}
            </button>
            {r && (
              <p class={r.ok ? 'hint' : 'field-error'} id={`sla-${s.category}-result`} role={r.ok ? 'status' : 'alert'}>
                {r.msg(m)}
              </p>
            )}
          </form>
        );
      })}
    </details>
  );
}

// StaffTicket is one ticket as HQ works it: its history with the internal
// notes, and the actions.
export function StaffTicket({ no }: { no: string }) {
  const m = t.value;
  const [tk, setTicket] = useState<Ticket | null>(null);
  const [error, setError] = useState<Msg | null>(null);
  const [done, setDone] = useState<Msg | null>(null);
  const load = () => deskApi.get(no).then(setTicket, (e) => !lost(e) && setError(() => describe(e)));
  useEffect(() => {
    load();
  }, [no]);
  if (error)
    return (
      <main class="staff-page">
        <p class="card form-error" role="alert">
          {error(m)}
        </p>
      </main>
    );
  if (!tk) return <main class="loading">{m.loading}</main>;
  // act runs an action; a conflict (someone else moved the ticket) reloads it.
  const act = async (fn: () => Promise<Ticket>): Promise<Msg | null> => {
    setDone(null);
    try {
      setTicket(await fn());
      setDone(() => (m: Messages) => m.deskDone);
      return null;
    } catch (e) {
      if (lost(e)) return null;
      if (e instanceof ApiError && e.status === 409) {
        load();
        return (m) => m.deskConflict;
      }
      return describe(e, { 422: (m) => m.deskActionRefused });
    }
  };
  const closed = tk.state === 'closed';
  return (
    <main class="staff-page desk-board">
      <p>
        <a
          href={base + 'tickets'}
          onClick={(e) => {
            e.preventDefault();
            navigate(base + 'tickets');
          }}
        >
          ← {m.deskBoard}
        </a>
      </p>
      <TicketHead tk={tk} staff />
      <section class="card">
        <p>
          {m.deskOwner}: <strong>{owner(tk, m)}</strong> · {m.deskAssignee}: <strong id="ticket-assignee">{tk.assignee ?? m.deskUnassigned}</strong>
        </p>
      </section>
      <History events={tk.events ?? []} />
      {done && (
        <p class="notice" role="status" id="action-done">
          {done(m)}
        </p>
      )}
      <div class="desk-actions">
        {!closed && <AssignForm tk={tk} act={act} />}
        {!closed && (
          <TextAction
            id="reply"
            label={m.deskStaffReply}
            button={m.deskSendReply}
            required={(m) => m.deskTextRequired}
            withPhotos
            run={(s, photos) => act(() => deskApi.reply(tk.no, s, photos))}
          />
        )}
        <TextAction id="note" label={m.deskNote} button={m.deskAddNote} required={(m) => m.deskTextRequired} run={(s) => act(() => deskApi.note(tk.no, s))} />
        {!closed && !tk.escalated && (
          <TextAction id="escalate" label={m.deskReason} button={m.deskEscalate} required={(m) => m.deskReasonRequired} run={(s) => act(() => deskApi.escalate(tk.no, s))} />
        )}
        {!closed && (
          <TextAction id="close" label={m.deskResolution} button={m.deskClose} required={(m) => m.deskResolutionRequired} run={(s) => act(() => deskApi.close(tk.no, s))} />
        )}
        {closed && (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              act(() => deskApi.reopen(tk.no));
            }}
          >
            <button type="submit" id="reopen-submit">
              {m.deskReopen}
            </button>
          </form>
        )}
      </div>
    </main>
  );
}

function AssignForm({ tk, act }: { tk: Ticket; act: (fn: () => Promise<Ticket>) => Promise<Msg | null> }) {
  const m = t.value;
  const me = user.value?.login ?? '';
  const [login, setLogin] = useState(tk.assignee ?? '');
  const [error, setError] = useState<Msg | null>(null);
  const assign = async (to: string) => {
    if (!to.trim()) {
      setError(() => (m: Messages) => m.deskAssigneeRequired);
      document.getElementById('assign-login')?.focus();
      return;
    }
    setError(await act(() => deskApi.assign(tk.no, to.trim())));
  };
  return (
    <form
      class="card"
      id="assign-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        assign(login);
      }}
    >
      <div class="field">
        <label for="assign-login">{m.deskAssigneeLogin}</label>
        <div class="row">
          <input
            id="assign-login"
            value={login}
            onInput={(e) => setLogin(e.currentTarget.value)}
            aria-invalid={error ? 'true' : undefined}
            aria-describedby={error ? 'assign-login-error' : undefined}
          />
          <button type="submit" id="assign-submit">
            {m.deskAssign}
          </button>
          <button type="button" class="ghost" id="assign-me" onClick={() => assign(me)}>
            {m.deskAssignToMe}
          </button>
        </div>
        {error && (
          <p class="field-error" id="assign-login-error" role="alert">
            {error(m)}
          </p>
        )}
      </div>
    </form>
  );
}

// TextAction is a form of one text and a button: a reply (with photos),
// a note, an escalation's reason, a resolution.
function TextAction(p: {
  id: string;
  label: string;
  button: string;
  required: Msg;
  withPhotos?: boolean;
  run: (text: string, photos: string[]) => Promise<Msg | null>;
}) {
  const m = t.value;
  const [text, setText] = useState('');
  const [photos, setPhotos] = useState<Picture[]>([]);
  const [error, setError] = useState<Msg | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const n = length(text);
    const bad: Msg | null = n === 0 ? p.required : n > maxText ? (m) => m.deskTextTooLong(n, maxText) : null;
    setError(() => bad);
    if (bad) {
      document.getElementById(`${p.id}-text`)?.focus();
      return;
    }
    setBusy(true);
    const err = await p.run(text, photos.map((x) => x.id));
    setBusy(false);
    setError(() => err);
    if (!err) {
      setText('');
      setPhotos([]);
    }
  };
  return (
    <form class="card" id={`${p.id}-form`} onSubmit={submit} noValidate>
      <div class="field">
        <label for={`${p.id}-text`}>{p.label}</label>
        <textarea
          id={`${p.id}-text`}
          rows={3}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? `${p.id}-text-error` : undefined}
        />
        {error && (
          <p class="field-error" id={`${p.id}-text-error`} role="alert">
            {error(m)}
          </p>
        )}
      </div>
      {p.withPhotos && <Photos id={`${p.id}-photos`} photos={photos} onChange={setPhotos} />}
      <button type="submit" id={`${p.id}-submit`} disabled={busy}>
        {p.button}
      </button>
    </form>
  );
}
