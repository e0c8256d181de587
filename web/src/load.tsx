import { useEffect, useState } from 'preact/hooks';
import { t } from './i18n';
import { describe, type Msg } from './errors';
import { lost } from './session';

// A panel's data: loading (undefined), loaded, or failed with a message.
export type Load<T> = { data?: T; error?: Msg; done: boolean };

export function useLoad<T>(fetcher: () => Promise<T>, deps: unknown[]): Load<T> {
  const [state, setState] = useState<Load<T>>({ done: false });
  useEffect(() => {
    let live = true;
    setState({ done: false });
    fetcher().then(
      (data) => live && setState({ data, done: true }),
      (e) => {
        if (!live || lost(e)) return;
        setState({ error: describe(e), done: true });
      },
    );
    return () => {
      live = false;
    };
  }, deps);
  return state;
}

// Panel is a card with a title that shows its data once loaded, or why
// it could not be.
export function Panel<T>({ title, load, id, children }: { title: string; load: Load<T>; id: string; children: (d: T) => any }) {
  const m = t.value;
  return (
    <section class="card" id={id}>
      <h2>{title}</h2>
      {!load.done ? (
        <p class="loading">{m.loading}</p>
      ) : load.error ? (
        <p class="form-error">{load.error(m)}</p>
      ) : (
        children(load.data as T)
      )}
    </section>
  );
}
