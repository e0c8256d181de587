// What members owe the agency for sales on credit: the balances, each
// member's account, and the payments and allowances that take a debt down.
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n';
import type { Messages } from '../i18n/en';
import { ApiError, request, seg } from '../api';
import { dateTime, money } from '../format';
import { describe, type Msg } from '../errors';
import { lost } from '../session';
import { useKeptKey } from '../keptkey';
import { csvHref } from './csv';

interface CreditBalance {
  member: string;
  name: string;
  owes: string;
  sales: number;
  last: string;
}

interface CreditEntry {
  id: number;
  member: string;
  kind: 'sale' | 'payment' | 'allowance';
  amount: string;
  owes: string;
  order?: string;
  reference?: string;
  by: string;
  at: string;
}

const creditApi = {
  balances: (code: string) => request<CreditBalance[]>('GET', `/agencies/${seg(code)}/credit`),
  entries: (code: string, member: string) => request<CreditEntry[]>('GET', `/agencies/${seg(code)}/credit/${seg(member)}`),
  move: (code: string, kind: 'payments' | 'allowances', body: { member: string; amount: string; reference: string }, key: string) =>
    request<CreditEntry>('POST', `/agencies/${seg(code)}/credit/${kind}`, body, key),
};

// amountOK is a positive amount of at most two decimals, read as text.
const amountOK = (s: string) => /^\d+(\.\d{1,2})?$/.test(s) && /[1-9]/.test(s);

export function MemberDebts({ code, version, onDone }: { code: string; version: number; onDone: () => void }) {
  const m = t.value;
  const [rows, setRows] = useState<CreditBalance[] | null>(null);
  const [error, setError] = useState<Msg | null>(null);
  const [open, setOpen] = useState('');
  const [mine, setMine] = useState(0);
  useEffect(() => {
    creditApi.balances(code).then(setRows, (e) => !lost(e) && setError(() => describe(e)));
  }, [code, version, mine]);
  const changed = () => {
    setMine((v) => v + 1);
    onDone();
  };
  return (
    <section class="card" id="member-debts" aria-labelledby="debts-title">
      <h2 id="debts-title">{m.memberDebts}</h2>
      <p class="hint">{m.crHint}</p>
      {error && (
        <p class="form-error" role="alert">
          {error(m)}
        </p>
      )}
      {rows && !rows.length && <p id="debts-none">{m.memberDebtsNone}</p>}
      {rows && rows.length > 0 && (
        <>
          <p class="list-tools">
            <a
              class="ghost button"
              id="debts-csv"
              download={`${code}-member-debts.csv`}
              href={csvHref([['member', 'name', 'owes', 'sales_on_credit', 'last'], ...rows.map((r) => [r.member, r.name, r.owes, String(r.sales), r.last])])}
            >
              {m.exportCsv}
            </a>
          </p>
          <table class="queue cards" id="debts-list">
            <thead>
              <tr>
                <th scope="col">{m.memberCode}</th>
                <th scope="col">{m.crName}</th>
                <th scope="col" class="num">{m.crOwes}</th>
                <th scope="col" class="num">{m.crSales}</th>
                <th scope="col">{m.crLast}</th>
                <th scope="col">
                  <span class="sr-only">{m.crAccount}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.member} data-member={r.member}>
                  <td data-label={m.memberCode} class="mono">
                    {r.member}
                  </td>
                  <td data-label={m.crName}>{r.name}</td>
                  <td data-label={m.crOwes} class="num owes">
                    {money(r.owes)}
                  </td>
                  <td data-label={m.crSales} class="num">
                    {r.sales}
                  </td>
                  <td data-label={m.crLast}>{dateTime(r.last)}</td>
                  <td>
                    <button type="button" class="ghost" aria-expanded={open === r.member} onClick={() => setOpen(open === r.member ? '' : r.member)}>
                      {m.crAccount}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {open && <Account code={code} member={open} version={mine} />}
      {rows && rows.length > 0 && <TakeOff code={code} members={rows} onDone={changed} />}
    </section>
  );
}

function kindName(m: Messages, k: CreditEntry['kind']): string {
  return k === 'sale' ? m.crKindSale : k === 'payment' ? m.crKindPayment : m.crKindAllowance;
}

function Account({ code, member, version }: { code: string; member: string; version: number }) {
  const m = t.value;
  const [entries, setEntries] = useState<CreditEntry[] | null>(null);
  const [error, setError] = useState<Msg | null>(null);
  useEffect(() => {
    setEntries(null);
    creditApi.entries(code, member).then(setEntries, (e) => !lost(e) && setError(() => describe(e)));
  }, [code, member, version]);
  return (
    <div id="debt-account">
      <h3>{m.crAccountOf(member)}</h3>
      {error && (
        <p class="form-error" role="alert">
          {error(m)}
        </p>
      )}
      {entries && (
        <table class="queue cards" id="debt-entries">
          <thead>
            <tr>
              <th scope="col">{m.crWhen}</th>
              <th scope="col">{m.crKind}</th>
              <th scope="col">{m.crDetail}</th>
              <th scope="col" class="num">{m.crChange}</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id} data-kind={e.kind}>
                <td data-label={m.crWhen}>{dateTime(e.at)}</td>
                <td data-label={m.crKind}>{kindName(m, e.kind)}</td>
                <td data-label={m.crDetail} class="mono">
                  {e.order ?? e.reference ?? ''}
                </td>
                <td data-label={m.crChange} class="num">
                  {money(e.owes)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

// TakeOff records a member's payment or an allowance, under a key kept
// until the answer arrives (a retry books it once).
function TakeOff({ code, members, onDone }: { code: string; members: CreditBalance[]; onDone: () => void }) {
  const m = t.value;
  const [member, setMember] = useState('');
  const [kind, setKind] = useState<'payments' | 'allowances'>('payments');
  const [amount, setAmount] = useState('');
  const [reference, setReference] = useState('');
  const [errors, setErrors] = useState<{ member?: Msg; amount?: Msg; reference?: Msg }>({});
  const [error, setError] = useState<Msg | null>(null);
  const [done, setDone] = useState<Msg | null>(null);
  const [busy, setBusy] = useState(false);
  const attempt = useKeptKey('credit');

  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    setDone(null);
    const a = amount.trim();
    const r = reference.trim();
    const es: typeof errors = {};
    if (!member) es.member = (m) => m.crMemberRequired;
    if (!amountOK(a)) es.amount = (m) => m.crAmountInvalid;
    if (kind === 'allowances' && !r) es.reference = (m) => m.crReasonRequired;
    setErrors(es);
    if (Object.keys(es).length) return;
    const body = { member, amount: a, reference: r };
    setBusy(true);
    try {
      await creditApi.move(code, kind, body, attempt.key([kind, body]));
      attempt.done();
      const who = member;
      setDone(() => (m: Messages) => (kind === 'allowances' ? m.crAllowed(who, money(a)) : m.crPaid(who, money(a))));
      setAmount('');
      setReference('');
      onDone();
    } catch (err) {
      if (lost(err)) return;
      if (err instanceof ApiError && (err.status === 422 || err.status === 400 || err.status === 404)) {
        attempt.done();
        const detail = err.detail;
        if (/amount/i.test(detail)) setErrors({ amount: (m: Messages) => m.crRefused(detail) });
        else setError(() => (m: Messages) => m.crRefused(detail));
      } else setError(() => describe(err));
    } finally {
      setBusy(false);
    }
  }
  const field = (id: string, label: string, err: Msg | undefined, input: preact.JSX.Element) => (
    <div class="field">
      <label for={id}>{label}</label>
      {input}
      {err && (
        <p class="field-error" id={id + '-error'} role="alert">
          {err(m)}
        </p>
      )}
    </div>
  );
  return (
    <form id="debt-form" onSubmit={submit} noValidate aria-labelledby="debt-form-title">
      <h3 id="debt-form-title">{m.crTakeOff}</h3>
      <fieldset class="choices">
        <legend>{m.crKind}</legend>
        <label>
          <input type="radio" name="credit-kind" value="payments" checked={kind === 'payments'} onChange={() => setKind('payments')} /> {m.crKindPayment}
        </label>
        <label>
          <input type="radio" name="credit-kind" value="allowances" checked={kind === 'allowances'} onChange={() => setKind('allowances')} />{' '}
          {m.crKindAllowance}
        </label>
      </fieldset>
      {field(
        'debt-member',
        m.memberCode,
        errors.member,
        <select id="debt-member" value={member} aria-invalid={errors.member ? 'true' : undefined} onChange={(e) => setMember((e.target as HTMLSelectElement).value)}>
          <option value="">{m.crPickMember}</option>
          {members.map((x) => (
            <option key={x.member} value={x.member}>
              {x.member} · {x.name} · {money(x.owes)}
            </option>
          ))}
        </select>,
      )}
      {field(
        'debt-amount',
        m.crAmount,
        errors.amount,
        <input id="debt-amount" inputMode="decimal" autocomplete="off" value={amount} aria-invalid={errors.amount ? 'true' : undefined}
          onInput={(e) => setAmount((e.target as HTMLInputElement).value)} />,
      )}
      {field(
        'debt-reference',
        kind === 'allowances' ? m.crReason : m.crReceipt,
        errors.reference,
        <input id="debt-reference" autocomplete="off" value={reference} aria-invalid={errors.reference ? 'true' : undefined}
          onInput={(e) => setReference((e.target as HTMLInputElement).value)} />,
      )}
      <button type="submit" id="debt-submit" disabled={busy}>
        {kind === 'allowances' ? m.crSubmitAllowance : m.crSubmitPayment}
      </button>
      {error && (
        <p class="form-error" id="debt-error" role="alert">
          {error(m)}
        </p>
      )}
      {done && (
        <p class="notice" id="debt-result" role="status">
          {done(m)}
        </p>
      )}
    </form>
  );
}
