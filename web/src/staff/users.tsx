import { useState } from 'preact/hooks';
import { t } from '../i18n';
import type { Messages } from '../i18n/en';
import type { User } from '../api';
import { dateTime } from '../format';
import { describe, type Msg } from '../errors';
import { lost, user } from '../session';
import { hqApi } from './hqapi';
import { downloadCsv, ErrorLine, FieldError, usePaged } from './lists';

const roleNames = ['admin', 'finance', 'warehouse', 'agency', 'member', 'customer'];
const loginRE = /^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$/;
const minPassword = 8;

type UserWithDate = User & { created_at?: string };

// Users is /staff/users: every user with its role; an admin adds users,
// enables or disables them and sets their passwords.
export function Users() {
  const m = t.value;
  const { page, error, pager, reload } = usePaged((cursor) => hqApi.users(50, cursor), []);
  const [changed, setChanged] = useState<Record<string, User>>({});
  const items = (page?.items ?? []).map((u) => changed[u.login] ?? u) as UserWithDate[];
  return (
    <main class="staff-page">
      <AddUser onAdded={reload} />
      <section class="card" id="users" aria-labelledby="users-title">
        <div class="queue-head">
          <h1 id="users-title">{m.hqUsers}</h1>
          <button
            type="button"
            class="ghost"
            id="users-export"
            disabled={!items.length}
            onClick={() =>
              downloadCsv('users.csv', [
                [m.hqLogin, m.hqRole, m.hqBoundTo, m.hqStatus, m.hqCreated],
                ...items.map((u) => [u.login, u.role, u.agency ?? u.member ?? '', u.status, u.created_at ?? '']),
              ])
            }
          >
            {m.exportCsv}
          </button>
        </div>
        <ErrorLine error={error} />
        {items.length > 0 && (
          <table class="queue recent">
            <thead>
              <tr>
                <th scope="col">{m.hqLogin}</th>
                <th scope="col">{m.hqRole}</th>
                <th scope="col">{m.hqBoundTo}</th>
                <th scope="col">{m.hqStatus}</th>
                <th scope="col">{m.hqCreated}</th>
                <th scope="col">{m.hqActions}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((u) => (
                <UserRow key={u.login} u={u} m={m} onChange={(x) => setChanged({ ...changed, [x.login]: x })} />
              ))}
            </tbody>
          </table>
        )}
        {pager(m.hqUsers, 'users')}
      </section>
    </main>
  );
}

function UserRow({ u, m, onChange }: { u: UserWithDate; m: Messages; onChange: (u: User) => void }) {
  const [pw, setPw] = useState<string | null>(null);
  const [pwError, setPwError] = useState<Msg | null>(null);
  const [error, setError] = useState<Msg | null>(null);
  const [done, setDone] = useState<Msg | null>(null);
  const [busy, setBusy] = useState(false);
  const id = u.login.replace(/[^A-Za-z0-9_-]/g, '_');
  async function act(fn: () => Promise<unknown>, ok: Msg) {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      await fn();
      setDone(() => ok);
    } catch (e) {
      if (!lost(e)) setError(() => describe(e, { 422: (m) => m.hqUserRefused }));
    } finally {
      setBusy(false);
    }
  }
  const enabled = u.status === 'active';
  return (
    <tr data-user={u.login}>
      <td data-label={m.hqLogin} class="mono">
        {u.login}
      </td>
      <td data-label={m.hqRole}>{m.hqRoleName(u.role)}</td>
      <td data-label={m.hqBoundTo}>{u.agency ?? u.member ?? '—'}</td>
      <td data-label={m.hqStatus}>{enabled ? m.hqEnabled : m.hqDisabled}</td>
      <td data-label={m.hqCreated}>{dateTime(u.created_at)}</td>
      <td data-label={m.hqActions}>
        <div>
          <div class="row-actions">
            <button
              type="button"
              class={enabled ? 'ghost danger-text' : 'ghost'}
              id={`toggle-${id}`}
              disabled={busy || u.login === user.value?.login}
              title={u.login === user.value?.login ? m.hqNotYourself : undefined}
              onClick={() =>
                act(
                  async () => onChange(await hqApi.setUserStatus(u.login, enabled ? 'disabled' : 'active')),
                  enabled ? (m) => m.hqUserDisabled : (m) => m.hqUserEnabled,
                )
              }
            >
              {enabled ? m.hqDisable : m.hqEnable}
            </button>
            {pw === null ? (
              <button type="button" class="ghost" id={`pw-${id}`} onClick={() => setPw('')}>
                {m.hqSetPassword}
              </button>
            ) : (
              <form
                class="inline-form"
                noValidate
                onSubmit={(e) => {
                  e.preventDefault();
                  if (pw.length < minPassword) {
                    setPwError(() => (m: Messages) => m.hqPasswordShort(minPassword));
                    return;
                  }
                  act(async () => {
                    await hqApi.setPassword(u.login, pw);
                    setPw(null);
                  }, (m) => m.hqPasswordSet);
                }}
              >
                <label for={`pw-input-${id}`} class="sr-only">
                  {m.hqNewPassword(u.login)}
                </label>
                <input
                  id={`pw-input-${id}`}
                  type="password"
                  autocomplete="new-password"
                  value={pw}
                  placeholder={m.hqNewPasswordShort}
                  aria-invalid={pwError ? 'true' : undefined}
                  aria-describedby={pwError ? `pw-error-${id}` : undefined}
                  onInput={(e) => {
                    setPw(e.currentTarget.value);
                    setPwError(null);
                  }}
                />
                <button type="submit" disabled={busy}>
                  {m.hqSave}
                </button>
                <FieldError id={`pw-error-${id}`} error={pwError} m={m} />
              </form>
            )}
          </div>
          {error && <p class="form-error">{error(m)}</p>}
          {done && (
            <p class="notice" role="status">
              {done(m)}
            </p>
          )}
        </div>
      </td>
    </tr>
  );
}

function AddUser({ onAdded }: { onAdded: () => void }) {
  const m = t.value;
  const [f, setF] = useState({ login: '', password: '', role: 'finance', bound: '' });
  const [errors, setErrors] = useState<Partial<Record<'login' | 'password' | 'bound', Msg>>>({});
  const [error, setError] = useState<Msg | null>(null);
  const [added, setAdded] = useState('');
  const [busy, setBusy] = useState(false);
  const needs = f.role === 'agency' ? 'agency' : f.role === 'member' ? 'member' : '';
  const set = (k: keyof typeof f, v: string) => {
    setF((f) => ({ ...f, [k]: v }));
    setErrors((es) => ({ ...es, [k]: undefined }));
  };
  async function submit(e: Event) {
    e.preventDefault();
    setAdded('');
    setError(null);
    const es: typeof errors = {};
    if (!loginRE.test(f.login.trim())) es.login = (m) => m.hqLoginInvalid;
    if (f.password.length < minPassword) es.password = (m) => m.hqPasswordShort(minPassword);
    if (needs && !f.bound.trim()) es.bound = needs === 'agency' ? (m) => m.hqAgencyRequired : (m) => m.hqMemberRequired;
    setErrors(es);
    const first = (['login', 'password', 'bound'] as const).find((k) => es[k]);
    if (first) {
      document.getElementById(`user-${first}`)?.focus();
      return;
    }
    setBusy(true);
    try {
      const u = await hqApi.addUser({
        login: f.login.trim(),
        password: f.password,
        role: f.role,
        ...(needs ? { [needs]: f.bound.trim().toUpperCase() } : {}),
      });
      setAdded(u.login);
      setF({ login: '', password: '', role: f.role, bound: '' });
      onAdded();
    } catch (e) {
      if (!lost(e))
        setError(() =>
          describe(e, {
            409: (m) => m.hqLoginTaken,
            422: needs ? (m) => m.hqBoundUnknown : (m) => m.hqUserRefused,
          }),
        );
    } finally {
      setBusy(false);
    }
  }
  const field = (k: 'login' | 'password' | 'bound', label: string, type: 'text' | 'date' | 'number' | 'password' = 'text') => (
    <div class="field">
      <label for={`user-${k}`}>{label}</label>
      <input
        id={`user-${k}`}
        type={type as 'text'}
        autocomplete={k === 'password' ? 'new-password' : 'off'}
        value={f[k]}
        aria-invalid={errors[k] ? 'true' : undefined}
        aria-describedby={errors[k] ? `user-${k}-error` : undefined}
        onInput={(e) => set(k, e.currentTarget.value)}
      />
      <FieldError id={`user-${k}-error`} error={errors[k]} m={m} />
    </div>
  );
  return (
    <section class="card" id="add-user" aria-labelledby="add-user-title">
      <h2 id="add-user-title">{m.hqAddUser}</h2>
      <form class="ship-form" onSubmit={submit} noValidate>
        {field('login', m.hqLogin)}
        {field('password', m.hqPassword, 'password')}
        <div class="field">
          <label for="user-role">{m.hqRole}</label>
          <select id="user-role" value={f.role} onChange={(e) => set('role', e.currentTarget.value)}>
            {roleNames.map((r) => (
              <option key={r} value={r}>
                {m.hqRoleName(r)}
              </option>
            ))}
          </select>
        </div>
        {needs && field('bound', needs === 'agency' ? m.hqAgencyCode : m.hqMemberCode)}
        <button type="submit" id="user-add" disabled={busy}>
          {m.hqAdd}
        </button>
      </form>
      <ErrorLine error={error} id="add-user-error" />
      {added && (
        <p class="notice" role="status" id="user-added">
          {m.hqUserAdded(added)}
        </p>
      )}
    </section>
  );
}

// Audit is /staff/audit: the audit log of privileged actions, newest first.
export function Audit() {
  const m = t.value;
  const { page, error, pager } = usePaged((cursor) => hqApi.audit(50, cursor), []);
  const items = page?.items ?? [];
  return (
    <main class="staff-page">
      <section class="card" id="audit" aria-labelledby="audit-title">
        <div class="queue-head">
          <h1 id="audit-title">{m.hqAudit}</h1>
          <button
            type="button"
            class="ghost"
            id="audit-export"
            disabled={!items.length}
            onClick={() =>
              downloadCsv('audit.csv', [
                [m.hqWhen, m.hqActor, m.hqRole, m.hqAction, m.hqTarget, m.hqResultStatus, m.hqDetail],
                ...items.map((a) => [a.at, a.actor, a.role, a.action, a.target, a.status, a.detail ?? '']),
              ])
            }
          >
            {m.exportCsv}
          </button>
        </div>
        <ErrorLine error={error} />
        {page && !items.length && <p>{m.hqAuditEmpty}</p>}
        {items.length > 0 && (
          <table class="queue recent">
            <thead>
              <tr>
                <th scope="col">{m.hqWhen}</th>
                <th scope="col">{m.hqActor}</th>
                <th scope="col">{m.hqAction}</th>
                <th scope="col">{m.hqTarget}</th>
                <th scope="col" class="num">
                  {m.hqResultStatus}
                </th>
                <th scope="col">{m.hqDetail}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((a) => (
                <tr key={a.id} data-audit={a.id}>
                  <td data-label={m.hqWhen}>{dateTime(a.at)}</td>
                  <td data-label={m.hqActor}>
                    {a.actor || '—'} <span class="muted">{a.role && m.hqRoleName(a.role)}</span>
                  </td>
                  <td data-label={m.hqAction} class="mono">
                    {a.action}
                  </td>
                  <td data-label={m.hqTarget} class="mono">
                    {a.target}
                  </td>
                  <td data-label={m.hqResultStatus} class={a.status >= 400 ? 'num refused-text' : 'num'}>
                    {a.status}
                  </td>
                  <td data-label={m.hqDetail}>{a.detail ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {pager(m.hqAudit, 'audit')}
      </section>
    </main>
  );
}
