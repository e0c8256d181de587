import { signal } from '@preact/signals';

// A small history router: the path under /app/ is a signal, so a page
// re-renders when it changes. The server answers every /app/ address with
// index.html, so a reload or a shared link lands here too.
export const base = '/app/';
export const path = signal(location.pathname);

window.addEventListener('popstate', () => {
  path.value = location.pathname;
});

export function navigate(to: string) {
  if (to === location.pathname + location.search) return;
  history.pushState(null, '', to);
  path.value = location.pathname;
}

// route is the path below /app/ without surrounding slashes ("" is home).
export function route(p: string): string {
  const rest = p.startsWith(base) ? p.slice(base.length) : p.replace(/^\/app$/, '');
  return rest.replace(/^\/+|\/+$/g, '');
}
