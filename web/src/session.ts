import { signal } from '@preact/signals';
import { api, ApiError, type User } from './api';

// user is the signed-in user: undefined while the first check runs, null
// when signed out.
export const user = signal<User | null | undefined>(undefined);
// ended is set when the API answers 401 to a signed-in page: the session
// expired, was signed out elsewhere or ended by a password change.
export const ended = signal(false);
// passwordChanged is set when this browser changed the password, which
// ends every session: the sign-in form says why.
export const passwordChanged = signal(false);

export async function check() {
  try {
    user.value = await api.me();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      user.value = null;
      return;
    }
    throw e;
  }
}

export async function signOut() {
  try {
    await api.logout();
  } catch (e) {
    // An ended session is signed out already.
    if (!(e instanceof ApiError && e.status === 401)) throw e;
  }
  ended.value = false;
  passwordChanged.value = false;
  user.value = null;
}

// lost is what a page calls on an error: true (and the sign-in form shown)
// when it is the end of the session.
export function lost(e: unknown): boolean {
  if (e instanceof ApiError && e.status === 401) {
    ended.value = true;
    user.value = null;
    return true;
  }
  return false;
}
