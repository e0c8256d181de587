import { signal } from '@preact/signals';

// A small history router: the path under the app's base (/app/ for the
// member office, /staff/ for the staff console) and its query are signals,
// so a page re-renders when they change. The server answers every address
// under a base with that app's HTML, so a reload or a shared link lands
// here too.
export const base = /^\/staff(\/|$)/.test(location.pathname) ? '/staff/' : '/app/';
export const path = signal(location.pathname);
export const query = signal(location.search);

window.addEventListener('popstate', () => {
  path.value = location.pathname;
  query.value = location.search;
});

// navigate goes to the address to (a path with an optional query); replace
// keeps the history entry (a change of view that Back need not undo).
export function navigate(to: string, replace = false) {
  if (to === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  path.value = location.pathname;
  query.value = location.search;
}

// route is the path below the base without surrounding slashes ("" is home).
export function route(p: string): string {
  const rest = p.startsWith(base) ? p.slice(base.length) : p === base.slice(0, -1) ? '' : p;
  return rest.replace(/^\/+|\/+$/g, '');
}
