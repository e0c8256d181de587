import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api, ApiError } from './api';
import { t } from './i18n';
import { describe, type Msg } from './errors';
import { ended, passwordChanged, user } from './session';

type Field = 'login' | 'password';

// SignIn is shown in place of any page while signed out; signing in
// renders that page, so the address the user opened is kept. title is the
// form's heading (the member office's by default).
export function SignIn({ title = (m) => m.signInTitle }: { title?: Msg }) {
  const m = t.value;
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Partial<Record<Field | 'form', Msg>>>({});
  const [busy, setBusy] = useState(false);

  async function submit(ev: Event) {
    ev.preventDefault();
    const errs: typeof errors = {};
    if (!login.trim()) errs.login = (m) => m.loginRequired;
    if (!password) errs.password = (m) => m.passwordRequired;
    setErrors(errs);
    if (Object.keys(errs).length) return;
    setBusy(true);
    try {
      const u = await api.login(login.trim(), password);
      ended.value = false;
      passwordChanged.value = false;
      user.value = u;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        setErrors({ password: (m) => m.wrongPassword });
      } else if (e instanceof ApiError && e.status === 429) {
        const s = e.retryAfter;
        setErrors({ password: (m) => m.tooManyAttempts(s) });
      } else {
        setErrors({ form: describe(e) });
      }
      setPassword('');
    } finally {
      setBusy(false);
    }
  }

  // common are the attributes both inputs share: the error next to the
  // field is tied to it for screen readers.
  const common = (name: Field) => ({
    id: name,
    name,
    'aria-invalid': errors[name] ? ('true' as const) : undefined,
    'aria-describedby': errors[name] ? `${name}-error` : undefined,
  });
  const field = (name: Field, label: string, input: JSX.Element) => (
    <div class="field">
      <label for={name}>{label}</label>
      {input}
      {errors[name] && (
        <p class="field-error" id={`${name}-error`} role="alert">
          {errors[name]!(m)}
        </p>
      )}
    </div>
  );

  return (
    <main class="signin">
      <form class="card" onSubmit={submit} noValidate>
        <h1>{title(m)}</h1>
        {passwordChanged.value ? (
          <p class="notice" id="password-changed">
            {m.passwordChangedNotice}
          </p>
        ) : (
          ended.value && <p class="notice">{m.sessionEnded}</p>
        )}
        {field(
          'login',
          m.login,
          <input type="text" {...common('login')} value={login} autocomplete="username" onInput={(e) => setLogin(e.currentTarget.value)} />,
        )}
        {field(
          'password',
          m.password,
          <input
            type="password"
            {...common('password')}
            value={password}
            autocomplete="current-password"
            onInput={(e) => setPassword(e.currentTarget.value)}
          />,
        )}
        {errors.form && (
          <p class="form-error" role="alert">
            {errors.form(m)}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? m.signingIn : m.signIn}
        </button>
      </form>
    </main>
  );
}
