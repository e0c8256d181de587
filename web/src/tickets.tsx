import { signal } from '@preact/signals';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, type Order } from './api';
import { newKey } from './cart';
import { contentApi, type Picture } from './content';
import { deskApi, length, maxPhotos, maxText, stateOf, type SLA, type Ticket, type TicketEvent } from './desk';
import { describe, type Msg } from './errors';
import { dateTime } from './format';
import { t } from './i18n';
import type { Messages } from './i18n/en';
import { base, navigate } from './router';
import { lost } from './session';
import { usePaged } from './staff/lists';
import './desk.css';

// What the last action on a ticket page said, kept across the navigation
// from the form to the new ticket.
const flash = signal<Msg | null>(null);

function go(e: Event, to: string) {
  e.preventDefault();
  navigate(to);
}

// Tickets lists the member's (or customer's) own tickets, newest first.
export function Tickets() {
  const m = t.value;
  const { page, error, pager } = usePaged((cursor) => deskApi.list({ sort: 'newest' }, 20, cursor), []);
  useEffect(() => {
    flash.value = null;
  }, []);
  return (
    <main class="desk-page">
      <div class="desk-head">
        <h1 class="page-title">{m.deskMyTickets}</h1>
        <a class="button" id="new-ticket" href={base + 'tickets/new'} onClick={(e) => go(e, base + 'tickets/new')}>
          {m.deskNewTicket}
        </a>
      </div>
      <p class="hint">{m.deskByText}</p>
      <section class="card" id="my-tickets" aria-label={m.deskMyTickets}>
        {error && (
          <p class="form-error" role="alert">
            {error(m)}
          </p>
        )}
        {!page && !error && <p class="loading">{m.loading}</p>}
        {page && page.items.length === 0 && <p class="empty">{m.deskNoTickets}</p>}
        <ul class="tickets">
          {page?.items.map((tk) => (
            <li key={tk.no} data-ticket={tk.no}>
              <a href={base + 'tickets/' + tk.no} onClick={(e) => go(e, base + 'tickets/' + tk.no)}>
                <span class="order-no">{tk.no}</span> <strong class="ticket-subject">{tk.subject}</strong>
              </a>
              <span class={`badge state-${stateOf(tk)}`}>{m.deskState(tk.state === 'closed' ? 'closed' : tk.state)}</span>
              <span class="order-date">
                {m.deskCategoryName(tk.category)} · {dateTime(tk.opened_at)}
              </span>
            </li>
          ))}
        </ul>
        {pager(m.deskMyTickets, 'my-tickets')}
      </section>
    </main>
  );
}

type Field = 'category' | 'order' | 'text' | 'photos';

// fieldOf is the field an API refusal names (its detail starts with it).
function fieldOf(e: unknown): Field | null {
  if (!(e instanceof ApiError) || e.status !== 422) return null;
  const d = e.detail.toLowerCase();
  for (const f of ['category', 'order', 'text', 'photos'] as Field[]) if (d.startsWith(f)) return f;
  return null;
}

// NewTicket is the form that opens a ticket: a category, an order of one's
// own if it is about one (members pick from their recent orders), the text.
export function NewTicket({ code }: { code?: string }) {
  const m = t.value;
  const [slas, setSLAs] = useState<SLA[]>([]);
  const [orders, setOrders] = useState<Order[]>([]);
  const [category, setCategory] = useState('');
  const [order, setOrder] = useState('');
  const [text, setText] = useState('');
  const [photos, setPhotos] = useState<Picture[]>([]);
  const [errors, setErrors] = useState<Partial<Record<Field, Msg>>>({});
  const [failure, setFailure] = useState<Msg | null>(null);
  const [busy, setBusy] = useState(false);
  // The key of a ticket sent and not answered, kept for its retry.
  const key = useRef('');
  useEffect(() => {
    flash.value = null;
    deskApi.categories().then(setSLAs, (e) => !lost(e) && setFailure(() => describe(e)));
    if (code) api.orders(code, 20).then((p) => setOrders(p.items), () => undefined);
  }, [code]);

  async function submit(e: Event) {
    e.preventDefault();
    const bad: Partial<Record<Field, Msg>> = {};
    const n = length(text);
    if (!category) bad.category = (m) => m.deskCategoryRequired;
    if (n === 0) bad.text = (m) => m.deskTextRequired;
    else if (n > maxText) bad.text = (m) => m.deskTextTooLong(n, maxText);
    setErrors(bad);
    setFailure(null);
    const first = (['category', 'text'] as Field[]).find((f) => bad[f]);
    if (first) {
      document.getElementById(`ticket-${first}`)?.focus();
      return;
    }
    key.current ||= newKey('ticket');
    setBusy(true);
    try {
      const tk = await deskApi.open(
        { category, text, ...(order ? { order } : {}), ...(photos.length ? { photos: photos.map((p) => p.id) } : {}) },
        key.current,
      );
      key.current = '';
      flash.value = (m) => m.deskOpened(tk.no);
      navigate(base + 'tickets/' + tk.no);
    } catch (err) {
      if (lost(err)) return;
      const f = fieldOf(err);
      if (f) {
        key.current = '';
        setErrors({ [f === 'photos' ? 'text' : f]: f === 'order' ? (m: Messages) => m.deskOrderRefused : (m: Messages) => m.deskRefused });
        document.getElementById(`ticket-${f}`)?.focus();
      } else setFailure(() => describe(err));
    } finally {
      setBusy(false);
    }
  }

  const err = (f: Field) =>
    errors[f] && (
      <p class="field-error" id={`ticket-${f}-error`} role="alert">
        {errors[f]!(m)}
      </p>
    );
  const aria = (f: Field) => ({
    'aria-invalid': errors[f] ? ('true' as const) : undefined,
    'aria-describedby': errors[f] ? `ticket-${f}-error` : undefined,
  });
  return (
    <main class="desk-page">
      <h1 class="page-title">{m.deskNewTicket}</h1>
      <form class="card ticket-form" id="ticket-form" onSubmit={submit} noValidate>
        <div class="field">
          <label for="ticket-category">{m.deskCategory}</label>
          <select
            id="ticket-category"
            value={category}
            onChange={(e) => {
              setCategory(e.currentTarget.value);
              setErrors({ ...errors, category: undefined });
            }}
            {...aria('category')}
          >
            <option value="">{m.deskPickCategory}</option>
            {slas.map((s) => (
              <option key={s.category} value={s.category}>
                {m.deskCategoryName(s.category)} · {m.deskSLA(s.hours)}
              </option>
            ))}
          </select>
          {err('category')}
        </div>
        {code && (
          <div class="field">
            <label for="ticket-order">{m.deskOrder}</label>
            <select
              id="ticket-order"
              value={order}
              onChange={(e) => {
                setOrder(e.currentTarget.value);
                setErrors({ ...errors, order: undefined });
              }}
              {...aria('order')}
            >
              <option value="">{m.deskNoOrder}</option>
              {orders.map((o) => (
                <option key={o.no} value={o.no}>
                  {o.no} · {dateTime(o.placed_at)}
                </option>
              ))}
            </select>
            {err('order')}
          </div>
        )}
        <div class="field">
          <label for="ticket-text">{m.deskText}</label>
          <textarea
            id="ticket-text"
            rows={6}
            value={text}
            onInput={(e) => {
              setText(e.currentTarget.value);
              if (errors.text) setErrors({ ...errors, text: undefined });
            }}
            {...aria('text')}
          />
          <p class="hint">{m.deskTextHint(maxText)}</p>
          {err('text')}
        </div>
        <Photos id="ticket-photos" photos={photos} onChange={setPhotos} />
        {failure && (
          <p class="form-error" role="alert">
            {failure(m)}
          </p>
        )}
        <button type="submit" id="ticket-submit" disabled={busy}>
          {busy ? m.deskSubmitting : m.deskSubmit}
        </button>
      </form>
    </main>
  );
}

// TicketPage is one ticket with its history and a reply form.
export function TicketPage({ no }: { no: string }) {
  const m = t.value;
  const [tk, setTicket] = useState<Ticket | null>(null);
  const [error, setError] = useState<Msg | null>(null);
  useEffect(() => {
    deskApi.get(no).then(setTicket, (e) => !lost(e) && setError(() => describe(e)));
  }, [no]);
  if (error)
    return (
      <main class="desk-page">
        <p class="card form-error" role="alert">
          {error(m)}
        </p>
      </main>
    );
  if (!tk) return <main class="loading">{m.loading}</main>;
  return (
    <main class="desk-page">
      <p>
        <a href={base + 'tickets'} onClick={(e) => go(e, base + 'tickets')}>
          ← {m.deskBackToList}
        </a>
      </p>
      {flash.value && (
        <p class="notice" role="status" id="ticket-notice">
          {flash.value(m)}
        </p>
      )}
      <TicketHead tk={tk} />
      <History events={tk.events ?? []} own />
      <ReplyForm tk={tk} onDone={setTicket} />
    </main>
  );
}

// TicketHead is a ticket's number, subject, state and dates; staff read
// "waiting for the member" where the member reads "waiting for you".
export function TicketHead({ tk, staff }: { tk: Ticket; staff?: boolean }) {
  const m = t.value;
  const st = stateOf(tk);
  return (
    <section class="card ticket-head" id="ticket-head">
      <h1 class="page-title">
        <span class="order-no">{tk.no}</span> <span class="ticket-subject">{tk.subject}</span>
      </h1>
      <p class="ticket-badges">
        <span class={`badge state-${st}`} id="ticket-state">
          {staff ? m.deskStaffState(st) : m.deskState(st)}
        </span>
        {tk.overdue && <span class="badge overdue">{m.deskOverdue}</span>}
      </p>
      <dl class="figures">
        <div class="figure">
          <dt>{m.deskCategory}</dt>
          <dd>{m.deskCategoryName(tk.category)}</dd>
        </div>
        {tk.order && (
          <div class="figure">
            <dt>{m.deskOrder}</dt>
            <dd class="order-no">{tk.order}</dd>
          </div>
        )}
        <div class="figure">
          <dt>{m.deskOpenedAt}</dt>
          <dd>
            {dateTime(tk.opened_at)} · {m.deskChannel(tk.channel)}
          </dd>
        </div>
        <div class="figure">
          <dt>{m.deskDueAt}</dt>
          <dd>{dateTime(tk.due_at)}</dd>
        </div>
      </dl>
    </section>
  );
}

// History is a ticket's events, oldest first. own: the owner's view, which
// names HQ as customer service and the owner as "you".
export function History({ events, own }: { events: TicketEvent[]; own?: boolean }) {
  const m = t.value;
  const who = (e: TicketEvent) => (own ? (e.by_staff ? m.deskFromHQ : m.deskFromYou) : e.by.replace(/^user:/, ''));
  return (
    <section class="card" id="ticket-history" aria-label={m.deskHistory}>
      <h2>{m.deskHistory}</h2>
      <ol class="ticket-events">
        {events.map((e) => (
          <li key={e.id} class={`event-${e.kind}${e.by_staff ? ' from-hq' : ''}`} data-kind={e.kind}>
            <p class="event-head">
              <strong>{m.deskEvent(e.kind)}</strong> · {who(e)} · <time dateTime={e.at}>{dateTime(e.at)}</time>
            </p>
            {e.kind === 'assigned' && <p>{own ? m.deskHandled : m.deskAssignedTo(e.assignee ?? '')}</p>}
            {e.kind === 'closed' && <p class="event-label">{m.deskResolution}</p>}
            {e.body && <p class="event-body">{e.body}</p>}
            {e.photos && e.photos.length > 0 && (
              <ul class="ticket-photos">
                {e.photos.map((id, i) => (
                  <li key={id}>
                    <a href={'/media/' + id} target="_blank" rel="noopener">
                      <img src={'/media/' + id} alt={m.deskPhotoN(i + 1)} loading="lazy" />
                    </a>
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}

function ReplyForm({ tk, onDone }: { tk: Ticket; onDone: (t: Ticket) => void }) {
  const m = t.value;
  const [text, setText] = useState('');
  const [photos, setPhotos] = useState<Picture[]>([]);
  const [error, setError] = useState<Msg | null>(null);
  const [busy, setBusy] = useState(false);
  async function send(e: Event) {
    e.preventDefault();
    const n = length(text);
    const bad: Msg | null = n === 0 ? (m) => m.deskTextRequired : n > maxText ? (m) => m.deskTextTooLong(n, maxText) : null;
    setError(() => bad);
    if (bad) {
      document.getElementById('reply-text')?.focus();
      return;
    }
    setBusy(true);
    try {
      onDone(await deskApi.reply(tk.no, text, photos.map((p) => p.id)));
      setText('');
      setPhotos([]);
      flash.value = (m) => m.deskReplySent;
    } catch (err) {
      if (!lost(err)) setError(() => describe(err, { 422: (m) => m.deskRefused }));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form class="card ticket-form" id="reply-form" onSubmit={send} noValidate>
      <div class="field">
        <label for="reply-text">{m.deskReply}</label>
        {tk.state === 'closed' && <p class="hint">{m.deskReplyReopens}</p>}
        <textarea
          id="reply-text"
          rows={4}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? 'reply-text-error' : undefined}
        />
        {error && (
          <p class="field-error" id="reply-text-error" role="alert">
            {error(m)}
          </p>
        )}
      </div>
      <Photos id="reply-photos" photos={photos} onChange={setPhotos} />
      <button type="submit" id="reply-send" disabled={busy}>
        {m.deskSendReply}
      </button>
    </form>
  );
}

// Photos picks images to attach: each is uploaded to the media store at
// once (a file that is too large or not an image is refused next to the
// field) and shown as a thumbnail that can be taken off again.
export function Photos({ id, photos, onChange }: { id: string; photos: Picture[]; onChange: (p: Picture[]) => void }) {
  const m = t.value;
  const [error, setError] = useState<Msg | null>(null);
  const [busy, setBusy] = useState(false);
  const add = async (input: HTMLInputElement) => {
    const files = [...(input.files ?? [])];
    input.value = '';
    setError(null);
    if (photos.length + files.length > maxPhotos) {
      setError(() => (m: Messages) => m.deskPhotosTooMany(maxPhotos));
      return;
    }
    setBusy(true);
    const added: Picture[] = [];
    try {
      for (const f of files) added.push(await contentApi.upload(f));
    } catch (e) {
      if (!lost(e)) setError(() => describe(e, { 413: (m) => m.deskPhotoTooLarge, 415: (m) => m.deskPhotoNotImage }));
    } finally {
      setBusy(false);
      if (added.length) onChange([...photos, ...added.filter((p) => !photos.some((q) => q.id === p.id))]);
    }
  };
  return (
    <div class="field">
      <label for={id}>{m.deskPhotos}</label>
      <input
        id={id}
        type="file"
        multiple
        accept="image/jpeg,image/png,image/gif,image/webp"
        disabled={busy || photos.length >= maxPhotos}
        onChange={(e) => add(e.currentTarget)}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `${id}-error` : `${id}-hint`}
      />
      <p class="hint" id={`${id}-hint`}>
        {busy ? m.deskUploading : m.deskPhotosHint(maxPhotos)}
      </p>
      {error && (
        <p class="field-error" id={`${id}-error`} role="alert">
          {error(m)}
        </p>
      )}
      {photos.length > 0 && (
        <ul class="ticket-photos" id={`${id}-list`}>
          {photos.map((p, i) => (
            <li key={p.id}>
              <img src={p.url} alt={m.deskPhotoN(i + 1)} />
              <button type="button" class="link" onClick={() => onChange(photos.filter((q) => q.id !== p.id))}>
                {m.deskRemovePhoto(i + 1)}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
