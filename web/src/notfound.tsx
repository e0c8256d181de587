import { t } from './i18n';
import { base, navigate } from './router';

// NotFound is the page of an address that names nothing the member may see.
export function NotFound() {
  const m = t.value;
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
