import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api, ApiError } from './api';
import { t } from './i18n';
import { describe, type Msg } from './errors';
import { lost, passwordChanged, user } from './session';

// minPassword is the ledger's shortest password (user.MinPasswordLen); the
// API refuses a shorter one anyway, this only says so before sending.
const minPassword = 8;

type Field = 'current' | 'next' | 'repeat';

// Account shows who is signed in and changes the password, which ends
// every session: the sign-in form follows with a notice.
export function Account() {
  const m = t.value;
  const u = user.value!;
  const [values, setValues] = useState<Record<Field, string>>({ current: '', next: '', repeat: '' });
  const [errors, setErrors] = useState<Partial<Record<Field | 'form', Msg>>>({});
  const [busy, setBusy] = useState(false);

  function check(): typeof errors {
    const errs: typeof errors = {};
    if (!values.current) errs.current = (m) => m.passwordRequired;
    if ([...values.next].length < minPassword) errs.next = (m) => m.passwordTooShort(minPassword);
    else if (values.next === values.current) errs.next = (m) => m.passwordSame;
    if (!errs.next && values.repeat !== values.next) errs.repeat = (m) => m.passwordsDiffer;
    return errs;
  }

  async function submit(ev: Event) {
    ev.preventDefault();
    if (busy) return;
    const errs = check();
    setErrors(errs);
    if (Object.keys(errs).length) return;
    setBusy(true);
    try {
      await api.changePassword(values.current, values.next);
      passwordChanged.value = true;
      user.value = null;
    } catch (e) {
      if (lost(e)) return;
      if (e instanceof ApiError && e.status === 422) {
        // The API names the field in its detail: the current password, or
        // a new one it refuses.
        setErrors(/current password/i.test(e.detail) ? { current: (m) => m.currentWrong } : { next: (m) => m.passwordTooShort(minPassword) });
      } else {
        setErrors({ form: describe(e) });
      }
    } finally {
      setBusy(false);
    }
  }

  const field = (name: Field, label: string, autocomplete: string) => (
    <div class="field">
      <label for={`pw-${name}`}>{label}</label>
      <input
        type="password"
        id={`pw-${name}`}
        name={name}
        autocomplete={autocomplete}
        value={values[name]}
        aria-invalid={errors[name] ? 'true' : undefined}
        aria-describedby={errors[name] ? `pw-${name}-error` : undefined}
        onInput={(e) => setValues({ ...values, [name]: (e.currentTarget as HTMLInputElement).value })}
      />
      {errors[name] && (
        <p class="field-error" id={`pw-${name}-error`} role="alert">
          {errors[name]!(m)}
        </p>
      )}
    </div>
  );

  const row = (label: string, value: string | JSX.Element) => (
    <div class="figure">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );

  return (
    <main class="page account">
      <h1>{m.accountTitle}</h1>
      <section class="card">
        <dl class="figures" id="account-who">
          {row(m.login, <code>{u.login}</code>)}
          {u.member && row(m.memberCode, <code>{u.member}</code>)}
        </dl>
      </section>
      <form class="card" id="password-form" onSubmit={submit} noValidate>
        <h2>{m.changePassword}</h2>
        <p class="hint">{m.changeEndsSessions}</p>
        <input type="text" name="username" autocomplete="username" value={u.login} hidden readOnly />
        {field('current', m.currentPassword, 'current-password')}
        {field('next', m.newPassword, 'new-password')}
        {field('repeat', m.repeatPassword, 'new-password')}
        {errors.form && (
          <p class="form-error" role="alert">
            {errors.form(m)}
          </p>
        )}
        <button type="submit" id="change-password" disabled={busy}>
          {busy ? m.changingPassword : m.changePassword}
        </button>
      </form>
    </main>
  );
}
