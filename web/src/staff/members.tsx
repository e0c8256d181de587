import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n';
import type { Messages } from '../i18n/en';
import type { Order, Team } from '../api';
import { base, navigate, path, query, route } from '../router';
import { date, dateTime, money, number } from '../format';
import { describe, type Msg } from '../errors';
import { lost, user } from '../session';
import { hqApi, type Ancestor, type MovePreview, type StaffMember } from './hqapi';
import { downloadCsv, ErrorLine, FieldError, usePaged } from './lists';

type Tree = 'sponsor' | 'placement';

// Members is /staff/members (the search) and /staff/members/{code} (one member).
export function Members() {
  const r = route(path.value);
  const code = r.startsWith('members/') ? decodeURIComponent(r.slice('members/'.length)) : '';
  return code ? <MemberPage key={code} code={code} /> : <MemberSearch />;
}

// The last search, for the way back from a member.
let lastSearch = '';

const memberHref = (code: string) => `${base}members/${encodeURIComponent(code)}`;

function go(e: Event, to: string) {
  e.preventDefault();
  navigate(to);
}

function MemberSearch() {
  const m = t.value;
  const q = new URLSearchParams(query.value).get('q') ?? '';
  lastSearch = q ? `?q=${encodeURIComponent(q)}` : '';
  const [text, setText] = useState(q);
  const [empty, setEmpty] = useState(false);
  useEffect(() => setText(q), [q]);
  const { page, error, pager } = usePaged(
    (cursor) => (q ? hqApi.searchMembers(q, 20, cursor) : Promise.resolve({ items: [] as StaffMember[] })),
    [q],
  );
  function search(e: Event) {
    e.preventDefault();
    const v = text.trim();
    setEmpty(!v);
    if (v) navigate(`${base}members?q=${encodeURIComponent(v)}`);
  }
  const items = page?.items ?? [];
  return (
    <main class="staff-page">
      <section class="card" id="member-search" aria-labelledby="members-title">
        <div class="queue-head">
          <h1 id="members-title">{m.hqMembers}</h1>
          <div class="queue-tools">
            <button
              type="button"
              class="ghost"
              id="members-export"
              disabled={!items.length}
              onClick={() =>
                downloadCsv('members.csv', [
                  [m.hqCode, m.hqName, m.hqPhone, m.hqStatus, m.hqJoined, m.hqSponsor, m.hqPlacement],
                  ...items.map((x) => [x.code, x.name, x.phone ?? '', x.status, x.joined_at, x.sponsor ?? '', x.placement ?? '']),
                ])
              }
            >
              {m.exportCsv}
            </button>
          </div>
        </div>
        <form class="search-form" role="search" onSubmit={search} noValidate>
          <div class="field">
            <label for="member-q">{m.hqSearchLabel}</label>
            <input
              id="member-q"
              type="search"
              value={text}
              placeholder={m.hqSearchHint}
              aria-invalid={empty ? 'true' : undefined}
              aria-describedby={empty ? 'member-q-error' : undefined}
              onInput={(e) => setText(e.currentTarget.value)}
            />
            <FieldError id="member-q-error" error={empty ? (m) => m.hqSearchEmpty : null} m={m} />
          </div>
          <button type="submit" id="member-search-go">
            {m.hqSearch}
          </button>
        </form>
        <ErrorLine error={error} />
        {q && page && !items.length && <p id="members-none">{m.hqNoMembers(q)}</p>}
        {items.length > 0 && (
          <table class="queue recent" id="member-results">
            <thead>
              <tr>
                <th scope="col">{m.hqCode}</th>
                <th scope="col">{m.hqName}</th>
                <th scope="col">{m.hqPhone}</th>
                <th scope="col">{m.hqStatus}</th>
                <th scope="col">{m.hqJoined}</th>
                <th scope="col">{m.hqSponsor}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((x) => (
                <tr key={x.code} data-member={x.code}>
                  <td data-label={m.hqCode}>
                    <a href={memberHref(x.code)} onClick={(e) => go(e, memberHref(x.code))}>
                      {x.code}
                    </a>
                  </td>
                  <td data-label={m.hqName}>{x.name}</td>
                  <td data-label={m.hqPhone} class="mono">
                    {x.phone}
                  </td>
                  <td data-label={m.hqStatus}>{(m.memberStatus[x.status] ?? x.status)}</td>
                  <td data-label={m.hqJoined}>{date(x.joined_at)}</td>
                  <td data-label={m.hqSponsor}>{x.sponsor ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {q && pager(m.hqMembers, 'members')}
      </section>
    </main>
  );
}

function MemberPage({ code }: { code: string }) {
  const m = t.value;
  const admin = user.value?.role === 'admin';
  const [mem, setMem] = useState<StaffMember | null>(null);
  const [uplines, setUplines] = useState<Record<Tree, Ancestor[]> | null>(null);
  const [teams, setTeams] = useState<Record<Tree, Team> | null>(null);
  const [error, setError] = useState<Msg | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    const fail = (e: unknown) => live && !lost(e) && setError(() => describe(e));
    hqApi.member(code).then((x) => live && setMem(x), fail);
    Promise.all([hqApi.upline(code, 'sponsor'), hqApi.upline(code, 'placement')]).then(
      ([s, p]) => live && setUplines({ sponsor: s.items, placement: p.items }),
      fail,
    );
    Promise.all([hqApi.team(code, 'sponsor'), hqApi.team(code, 'placement')]).then(
      ([s, p]) => live && setTeams({ sponsor: s, placement: p }),
      fail,
    );
    return () => {
      live = false;
    };
  }, [code, tick]);
  const changed = (x: StaffMember) => {
    setMem(x);
    setTick(tick + 1);
  };
  return (
    <main class="staff-page member-page">
      <p class="back">
        <a href={`${base}members${lastSearch}`} onClick={(e) => go(e, `${base}members${lastSearch}`)}>
          ← {m.hqMembers}
        </a>
      </p>
      <ErrorLine error={error} />
      {mem && (
        <section class="card" id="member-profile" aria-labelledby="member-title">
          <h1 id="member-title">
            {mem.name} <span class="mono">{mem.code}</span>
          </h1>
          <dl class="facts">
            <dt>{m.hqStatus}</dt>
            <dd id="member-status">
              <span class={`status-${mem.status}`}>{(m.memberStatus[mem.status] ?? mem.status)}</span>
            </dd>
            <dt>{m.hqPhone}</dt>
            <dd class="mono">{mem.phone ?? '—'}</dd>
            <dt>{m.hqJoined}</dt>
            <dd>{dateTime(mem.joined_at)}</dd>
            <dt>{m.hqSponsor}</dt>
            <dd>{mem.sponsor ? <MemberLink code={mem.sponsor} /> : '—'}</dd>
            <dt>{m.hqPlacement}</dt>
            <dd>
              {mem.placement ? (
                <>
                  <MemberLink code={mem.placement} /> {mem.side && m.hqSide(mem.side)}
                </>
              ) : (
                '—'
              )}
            </dd>
          </dl>
          {uplines &&
            (['sponsor', 'placement'] as Tree[]).map((tree) => (
              <Crumbs key={tree} id={`upline-${tree}`} label={m.hqUpline(tree)} line={uplines[tree]} self={mem} />
            ))}
        </section>
      )}
      {teams && (
        <section class="card" id="member-team" aria-labelledby="team-title">
          <h2 id="team-title">{m.hqTeam}</h2>
          <table class="times">
            <thead>
              <tr>
                <th scope="col">{m.hqTree}</th>
                <th scope="col" class="num">
                  {m.hqTeamTotal}
                </th>
                <th scope="col" class="num">
                  {m.hqTeamActive}
                </th>
                <th scope="col" class="num">
                  {m.hqTeamDepth}
                </th>
                <th scope="col">{m.hqLegs}</th>
              </tr>
            </thead>
            <tbody>
              {(['sponsor', 'placement'] as Tree[]).map((tree) => (
                <tr key={tree} id={`team-${tree}`}>
                  <th scope="row">{m.hqTreeName(tree)}</th>
                  <td class="num">{number(teams[tree].total)}</td>
                  <td class="num">{number(teams[tree].active)}</td>
                  <td class="num">{number(teams[tree].depth)}</td>
                  <td>
                    {teams[tree].legs.length
                      ? teams[tree].legs.map((l) => (
                          <span class="chip" key={l.head}>
                            {l.side ? `${l.side} ` : ''}
                            {l.head} · {number(l.total)}
                          </span>
                        ))
                      : '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {mem && admin && <StatusForm mem={mem} onDone={changed} />}
      {mem && admin && <MoveForm mem={mem} onDone={changed} />}
      <MemberOrders code={code} />
    </main>
  );
}

function MemberLink({ code }: { code: string }) {
  return (
    <a href={memberHref(code)} onClick={(e) => go(e, memberHref(code))}>
      {code}
    </a>
  );
}

// Crumbs is an upline as breadcrumbs, the root first and the member last.
function Crumbs({ id, label, line, self }: { id: string; label: string; line: Ancestor[]; self?: Ancestor }) {
  const m = t.value;
  const top = [...line].reverse();
  return (
    <nav class="crumbs" id={id} aria-label={label}>
      <span class="crumbs-label">{label}</span>
      <ol>
        {!top.length && <li class="muted">{m.hqTop}</li>}
        {top.map((a) => (
          <li key={a.code}>
            <a href={memberHref(a.code)} onClick={(e) => go(e, memberHref(a.code))} title={a.name}>
              {a.code}
            </a>
          </li>
        ))}
        {self && (
          <li aria-current="page">
            <strong>{self.code}</strong>
          </li>
        )}
      </ol>
    </nav>
  );
}

const statuses = ['active', 'suspended', 'terminated'];

function StatusForm({ mem, onDone }: { mem: StaffMember; onDone: (x: StaffMember) => void }) {
  const m = t.value;
  const [status, setStatus] = useState(mem.status === 'active' ? 'suspended' : 'active');
  // Another status than the member's: the form offers a change.
  useEffect(() => setStatus(mem.status === 'active' ? 'suspended' : 'active'), [mem.status]);
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<Msg | null>(null);
  const [error, setError] = useState<Msg | null>(null);
  const [done, setDone] = useState('');
  const [busy, setBusy] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    setDone('');
    setError(null);
    if (!reason.trim()) {
      setReasonError(() => (m: Messages) => m.hqReasonRequired);
      document.getElementById('status-reason')?.focus();
      return;
    }
    setBusy(true);
    try {
      const x = await hqApi.setStatus(mem.code, status, reason.trim());
      setReason('');
      setDone(x.status);
      onDone(x);
    } catch (e) {
      if (!lost(e)) setError(() => describe(e, { 422: (m) => m.hqStatusRefused }));
    } finally {
      setBusy(false);
    }
  }
  return (
    <section class="card" id="member-status-form" aria-labelledby="status-title">
      <h2 id="status-title">{m.hqChangeStatus}</h2>
      <form class="ship-form" onSubmit={submit} noValidate>
        <div class="field">
          <label for="status-to">{m.hqNewStatus}</label>
          <select id="status-to" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            {statuses.map((s) => (
              <option key={s} value={s} disabled={s === mem.status}>
                {m.hqStatusAction(s)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="status-reason">{m.hqReason}</label>
          <input
            id="status-reason"
            value={reason}
            aria-invalid={reasonError ? 'true' : undefined}
            aria-describedby={reasonError ? 'status-reason-error' : undefined}
            onInput={(e) => {
              setReason(e.currentTarget.value);
              setReasonError(null);
            }}
          />
          <FieldError id="status-reason-error" error={reasonError} m={m} />
        </div>
        <button type="submit" id="status-save" class={status === 'active' ? undefined : 'danger'} disabled={busy}>
          {m.hqStatusAction(status)}
        </button>
      </form>
      <ErrorLine error={error} />
      {done && (
        <p class="notice" role="status" id="status-done">
          {m.hqStatusDone((m.memberStatus[done] ?? done))}
        </p>
      )}
    </section>
  );
}

function MoveForm({ mem, onDone }: { mem: StaffMember; onDone: (x: StaffMember) => void }) {
  const m = t.value;
  const [tree, setTree] = useState<Tree>('sponsor');
  const [to, setTo] = useState('');
  const [side, setSide] = useState('L');
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<{ to?: Msg; reason?: Msg }>({});
  const [error, setError] = useState<Msg | null>(null);
  const [preview, setPreview] = useState<MovePreview | null>(null);
  const [done, setDone] = useState<Ancestor[] | null>(null);
  const [busy, setBusy] = useState(false);
  const asked = useRef('');
  const target = to.trim().toUpperCase();
  const sideOf = tree === 'placement' ? side : '';
  const refused = (e: unknown) =>
    describe(e, { 422: (m) => m.hqMoveRefused, 409: (m) => m.hqSlotTaken, 403: (m) => m.notAllowedHint });

  function edit() {
    setPreview(null);
    setError(null);
    setDone(null);
  }
  async function ask(e: Event) {
    e.preventDefault();
    edit();
    if (!target) {
      setErrors({ to: (m) => m.hqMoveToRequired });
      document.getElementById('move-to')?.focus();
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      asked.current = `${tree}/${target}/${sideOf}`;
      setPreview(await hqApi.previewMove(mem.code, tree, target, sideOf));
    } catch (e) {
      if (!lost(e)) setError(() => refused(e));
    } finally {
      setBusy(false);
    }
  }
  async function confirm() {
    if (!preview || asked.current !== `${tree}/${target}/${sideOf}`) return;
    if (!reason.trim()) {
      setErrors({ reason: (m) => m.hqReasonRequired });
      document.getElementById('move-reason')?.focus();
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      const x = await hqApi.move(mem.code, tree, target, sideOf, reason.trim());
      const line = preview.upline;
      setPreview(null);
      setReason('');
      setTo('');
      setDone(line);
      onDone(x);
    } catch (e) {
      if (!lost(e)) setError(() => refused(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <section class="card" id="member-move" aria-labelledby="move-title">
      <h2 id="move-title">{m.hqMove}</h2>
      <form class="ship-form" onSubmit={ask} noValidate>
        <div class="field">
          <label for="move-tree">{m.hqTree}</label>
          <select
            id="move-tree"
            value={tree}
            onChange={(e) => {
              setTree(e.currentTarget.value as Tree);
              edit();
            }}
          >
            <option value="sponsor">{m.hqTreeName('sponsor')}</option>
            <option value="placement">{m.hqTreeName('placement')}</option>
          </select>
        </div>
        <div class="field">
          <label for="move-to">{tree === 'sponsor' ? m.hqNewSponsor : m.hqNewParent}</label>
          <input
            id="move-to"
            value={to}
            autocomplete="off"
            aria-invalid={errors.to ? 'true' : undefined}
            aria-describedby={errors.to ? 'move-to-error' : undefined}
            onInput={(e) => {
              setTo(e.currentTarget.value);
              setErrors({});
              edit();
            }}
          />
          <FieldError id="move-to-error" error={errors.to} m={m} />
        </div>
        {tree === 'placement' && (
          <div class="field">
            <label for="move-side">{m.hqSideLabel}</label>
            <select
              id="move-side"
              value={side}
              onChange={(e) => {
                setSide(e.currentTarget.value);
                edit();
              }}
            >
              <option value="L">{m.hqSide('L')}</option>
              <option value="R">{m.hqSide('R')}</option>
            </select>
          </div>
        )}
        <button type="submit" id="move-preview" class="ghost" disabled={busy}>
          {m.hqPreview}
        </button>
      </form>
      <ErrorLine error={error} id="move-error" />
      {preview && (
        <div class="preview" id="move-preview-box" role="region" aria-label={m.hqPreviewTitle}>
          <h3>{m.hqPreviewTitle}</h3>
          <p id="move-subtree">{m.hqSubtree(preview.subtree)}</p>
          <p id="move-from-to">
            {m.hqFromTo(
              preview.tree,
              preview.from_parent || m.hqTop,
              preview.tree === 'sponsor'
                ? preview.member.sponsor ?? ''
                : `${preview.member.placement ?? ''} ${m.hqSide(preview.member.side ?? '')}`,
            )}
          </p>
          <Crumbs id="move-new-upline" label={m.hqNewUpline} line={preview.upline} self={preview.member} />
          <div class="ship-form">
            <div class="field">
              <label for="move-reason">{m.hqReason}</label>
              <input
                id="move-reason"
                value={reason}
                aria-invalid={errors.reason ? 'true' : undefined}
                aria-describedby={errors.reason ? 'move-reason-error' : undefined}
                onInput={(e) => {
                  setReason(e.currentTarget.value);
                  setErrors({});
                }}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') confirm();
                }}
              />
              <FieldError id="move-reason-error" error={errors.reason} m={m} />
            </div>
            <button type="button" id="move-confirm" class="danger" disabled={busy} onClick={confirm}>
              {m.hqConfirmMove(preview.subtree)}
            </button>
          </div>
        </div>
      )}
      {done && (
        <p class="notice" role="status" id="move-done">
          {m.hqMoved}
        </p>
      )}
    </section>
  );
}

function MemberOrders({ code }: { code: string }) {
  const m = t.value;
  const { page, error, pager } = usePaged((cursor) => hqApi.orders(code, 10, cursor), [code]);
  const items: Order[] = page?.items ?? [];
  return (
    <section class="card" id="member-orders" aria-labelledby="orders-title">
      <div class="queue-head">
        <h2 id="orders-title">{m.hqOrders}</h2>
        <button
          type="button"
          class="ghost"
          id="orders-export"
          disabled={!items.length}
          onClick={() =>
            downloadCsv(`orders-${code}.csv`, [
              [m.hqOrderNo, m.hqOrderKind, m.hqStatus, m.hqTotal, 'PV', m.hqPlaced],
              ...items.map((o) => [o.no, o.kind, o.status, o.total, o.pv, o.placed_at]),
            ])
          }
        >
          {m.exportCsv}
        </button>
      </div>
      <ErrorLine error={error} />
      {page && !items.length && <p>{m.hqNoOrders}</p>}
      {items.length > 0 && (
        <table class="queue recent">
          <thead>
            <tr>
              <th scope="col">{m.hqOrderNo}</th>
              <th scope="col">{m.hqOrderKind}</th>
              <th scope="col">{m.hqStatus}</th>
              <th scope="col" class="num">
                {m.hqTotal}
              </th>
              <th scope="col" class="num">
                PV
              </th>
              <th scope="col">{m.hqPlaced}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((o) => (
              <tr key={o.no}>
                <td data-label={m.hqOrderNo} class="mono">
                  {o.no}
                </td>
                <td data-label={m.hqOrderKind}>{o.kind}</td>
                <td data-label={m.hqStatus}>{m.orderStatus[o.status] ?? o.status}</td>
                <td data-label={m.hqTotal} class="num">
                  {money(o.total)}
                </td>
                <td data-label="PV" class="num">
                  {number(o.pv)}
                </td>
                <td data-label={m.hqPlaced}>{dateTime(o.placed_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {pager(m.hqOrders, 'orders')}
    </section>
  );
}
