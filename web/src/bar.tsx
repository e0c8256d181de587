import { locale, locales, setLocale, t } from './i18n';
import { navigate } from './router';
import { signOut, user } from './session';
import type { Msg } from './errors';
import { describe } from './errors';

// Bar is the top bar of both apps: the brand with the area's name (a link
// to the area's home), the language switch and, when signed in, Sign out.
export function Bar({ area, home, onError }: { area: Msg; home: string; onError: (e: Msg) => void }) {
  const m = t.value;
  return (
    <header class="bar">
      <a
        class="brand"
        href={home}
        onClick={(e) => {
          e.preventDefault();
          navigate(home);
        }}
      >
        {m.appName}
        <span class="area">{area(m)}</span>
      </a>
      <div class="actions">
        <label class="lang">
          <span class="sr-only">{m.language}</span>
          <select
            id="lang"
            value={locale.value}
            onChange={(e) => setLocale((e.target as HTMLSelectElement).value as (typeof locales)[number]['code'])}
          >
            {locales.map((l) => (
              <option key={l.code} value={l.code} lang={l.code}>
                {l.label}
              </option>
            ))}
          </select>
        </label>
        {user.value && (
          <button id="signout" class="link" onClick={() => signOut().catch((e) => onError(describe(e)))}>
            {m.signOut}
          </button>
        )}
      </div>
    </header>
  );
}
