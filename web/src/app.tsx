import { useEffect } from 'preact/hooks';
import { locale, locales, setLocale, t, type Locale } from './i18n';
import { base, navigate, path, route } from './router';
import { check, signOut, user } from './session';
import { SignIn } from './signin';
import { Home } from './home';
import { describe, type Msg } from './errors';
import { signal } from '@preact/signals';

const failure = signal<Msg | null>(null);

export function App() {
  useEffect(() => {
    check().catch((e) => (failure.value = describe(e)));
  }, []);
  const m = t.value;
  const u = user.value;
  let body;
  if (failure.value) body = <main class="card form-error">{failure.value(m)}</main>;
  else if (u === undefined) body = <main class="loading">{m.loading}</main>;
  else if (u === null) body = <SignIn />;
  else body = <Page />;
  return (
    <div class="shell">
      <header class="bar">
        <a
          class="brand"
          href={base}
          onClick={(e) => {
            e.preventDefault();
            navigate(base);
          }}
        >
          {m.appName}
          <span class="area">{m.memberOffice}</span>
        </a>
        <div class="actions">
          <label class="lang">
            <span class="sr-only">{m.language}</span>
            <select
              id="lang"
              value={locale.value}
              onChange={(e) => setLocale((e.target as HTMLSelectElement).value as Locale)}
            >
              {locales.map((l) => (
                <option key={l.code} value={l.code} lang={l.code}>
                  {l.label}
                </option>
              ))}
            </select>
          </label>
          {u && (
            <button
              id="signout"
              class="link"
              onClick={() => signOut().catch((e) => (failure.value = describe(e)))}
            >
              {m.signOut}
            </button>
          )}
        </div>
      </header>
      {body}
    </div>
  );
}

function Page() {
  const m = t.value;
  const u = user.value!;
  if (u.role !== 'member' || !u.member) return <main class="card">{m.staffOnly}</main>;
  switch (route(path.value)) {
    case '':
      return <Home code={u.member} />;
    default:
      return (
        <main class="card notfound" id="notfound">
          <h1>{m.notFound}</h1>
          <p>{m.notFoundHint}</p>
          <a
            href={base}
            onClick={(e) => {
              e.preventDefault();
              navigate(base);
            }}
          >
            {m.backHome}
          </a>
        </main>
      );
  }
}
