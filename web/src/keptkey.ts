import { useRef } from 'preact/hooks';
import { newKey } from './cart';

// useKeptKey keeps one Idempotency-Key per thing sent: the same body sent
// again (the retry of a request whose answer was lost) goes under the same
// key, so the server does it once; another body gets a new key. done()
// forgets the key once an answer, or a refusal, has come.
export function useKeptKey(prefix: string) {
  const kept = useRef<{ key: string; body: string } | null>(null);
  return {
    key(body: unknown): string {
      const b = JSON.stringify(body);
      if (!kept.current || kept.current.body !== b) kept.current = { key: newKey(prefix), body: b };
      return kept.current.key;
    },
    done() {
      kept.current = null;
    },
  };
}
