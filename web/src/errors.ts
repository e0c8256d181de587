import { ApiError } from './api';
import type { Messages } from './i18n/en';

// A message kept as a function of the catalogue, so that it follows a
// switch of language while it is on screen.
export type Msg = (m: Messages) => string;

// describe turns an API error into a message of the catalogue; byStatus
// gives a page's own words for the statuses it expects (the API's detail
// is in English only).
export function describe(e: unknown, byStatus: Partial<Record<number, Msg>> = {}): Msg {
  if (e instanceof ApiError) {
    const own = byStatus[e.status];
    if (own) return own;
    if (e.status === 0) return (m) => m.unreachable;
    if (e.status === -1) return (m) => m.cookiesRefused;
    if (e.status === 404) return (m) => m.notFound;
    const id = e.requestId;
    return (m) => m.serverError(id);
  }
  return (m) => m.serverError('');
}
