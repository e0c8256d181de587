import { useEffect, useRef, useState } from 'preact/hooks';
import { locale, t } from '../i18n';
import type { Messages } from '../i18n/en';
import { companyDate, dateTime, money, number, periodLabel } from '../format';
import { describe, type Msg } from '../errors';
import { ApiError, type Statement } from '../api';
import { base, navigate } from '../router';
import { lost, user } from '../session';
import { newKey } from '../cart';
import {
  settleApi,
  type Adjustment,
  type Breakdown,
  type PeriodEntry,
  type Payout,
  type Plan,
  type Run,
  type RunJob,
} from './api';

// Finance's settlement: plans, the runs of periods (background jobs whose
// progress the page polls), and per period its breakdown, adjustments,
// approval by a second finance user, payout and bank files. Admins read.

const pollMs = 400;

// refusal is an API refusal's own words (English, naming the field and the
// rule) under the page's message in the current language.
function refusal(e: unknown, own: Msg): Msg {
  if (e instanceof ApiError && e.status === 422) {
    const detail = e.detail;
    return (m) => `${own(m)} ${detail}`;
  }
  return describe(e);
}

// mine: the signed-in user is who the API records as by.
const mine = (by: string | undefined) => !!by && by === `user:${user.value?.login}`;
const isFinance = () => user.value?.role === 'finance';
const who = (by: string | undefined) => (by ?? '').replace(/^user:/, '') || '—';

// Field is a labelled input with its error next to it.
function Field(props: {
  id: string;
  label: string;
  value: string;
  error: Msg | null;
  onInput: (v: string) => void;
  type?: 'text' | 'date';
  inputMode?: 'decimal' | 'text';
  placeholder?: string;
}) {
  const m = t.value;
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        type={(props.type ?? 'text') as 'text'}
        inputMode={props.inputMode}
        placeholder={props.placeholder}
        value={props.value}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={props.error ? `${props.id}-error` : undefined}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
      {props.error && (
        <p class="field-error" id={`${props.id}-error`} role="alert">
          {props.error(m)}
        </p>
      )}
    </div>
  );
}

function StatusBadge({ status }: { status: string }) {
  const m = t.value;
  return <span class={`badge settle-${status}`}>{m.settleStatus[status] ?? status}</span>;
}

// Settlement is the list of periods with their status and runs, the
// plans, and the run of a period as a background job.
export function Settlement() {
  const m = t.value;
  const [periods, setPeriods] = useState<PeriodEntry[] | null>(null);
  const [plans, setPlans] = useState<Plan[] | null>(null);
  const [error, setError] = useState<Msg | null>(null);
  const [loads, setLoads] = useState(0);
  useEffect(() => {
    setError(null);
    Promise.all([settleApi.periods(), settleApi.plans()]).then(
      ([ps, pl]) => {
        setPeriods(ps);
        setPlans(pl);
      },
      (e) => !lost(e) && setError(() => describe(e)),
    );
  }, [loads]);
  const reload = () => setLoads((n) => n + 1);
  const job = useJob(reload);
  // The period to run next: the oldest open one.
  const open = (periods ?? []).filter((p) => p.status === 'open');
  const suggested = open.length ? open[open.length - 1].period : '';
  const finance = isFinance();
  const href = (code: string) => `${base}settlement/${encodeURIComponent(code)}`;
  const go = (code: string) => (e: Event) => {
    e.preventDefault();
    navigate(href(code));
  };
  return (
    <main class="staff-page settlement">
      <section class="card" id="periods" aria-labelledby="periods-title">
        <div class="queue-head">
          <h1 id="periods-title">{m.settlement}</h1>
          <button type="button" class="ghost" id="refresh" onClick={reload}>
            {m.refresh}
          </button>
        </div>
        {error && (
          <p class="form-error" role="alert">
            {error(m)}
          </p>
        )}
        {finance && periods && <StartRun suggested={suggested} periods={periods} job={job} />}
        {periods && !periods.length && <p id="no-runs">{m.noRuns}</p>}
        {periods && periods.length > 0 && (
          <table class="queue runs">
            <thead>
              <tr>
                <th scope="col">{m.settlePeriod}</th>
                <th scope="col">{m.status}</th>
                <th scope="col">{m.settlePlan}</th>
                <th scope="col" class="num">
                  {m.settleMembers}
                </th>
                <th scope="col" class="num">
                  {m.settleBonusTotal}
                </th>
                <th scope="col">{m.settleRunBy}</th>
                <th scope="col">
                  <span class="sr-only">{m.settleActions}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {periods.map((p) => (
                <tr key={p.period} data-period={p.period}>
                  <td data-label={m.settlePeriod}>
                    <span>
                      {p.run ? (
                        <a href={href(p.period)} onClick={go(p.period)}>
                          {periodLabel(p)}
                        </a>
                      ) : (
                        periodLabel(p)
                      )}{' '}
                      <span class="mono hint">{p.period}</span>
                    </span>
                  </td>
                  <td data-label={m.status}>
                    <StatusBadge status={p.status} />
                  </td>
                  <td data-label={m.settlePlan}>{p.plan ? `${p.plan.name} v${p.plan.version}` : m.noPlanInForce}</td>
                  <td data-label={m.settleMembers} class="num">
                    {p.run ? number(p.run.members) : '—'}
                  </td>
                  <td data-label={m.settleBonusTotal} class="num total">
                    {p.run ? money(p.run.bonus_total) : '—'}
                  </td>
                  <td data-label={m.settleRunBy}>{p.run ? `${who(p.run.run_by)} · ${dateTime(p.run.run_at)}` : '—'}</td>
                  <td class="row-actions">
                    <div class="actions">
                      {p.run && (
                        <a class="ghost button" href={href(p.period)} onClick={go(p.period)}>
                          {m.settleOpen}
                        </a>
                      )}
                      {finance && (p.status === 'open' || p.status === 'draft') && (
                        <button
                          type="button"
                          class={p.status === 'draft' ? 'ghost run' : 'run'}
                          disabled={job.running || !p.plan}
                          onClick={() => job.start(p.period)}
                        >
                          {p.status === 'draft' ? m.rerunPeriod : m.runPeriod}
                        </button>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <Plans plans={plans} onUploaded={reload} />
    </main>
  );
}

// useJob starts runs and polls their job until it ends.
function useJob(onDone: (j: RunJob) => void) {
  const [job, setJob] = useState<RunJob | null>(null);
  const [error, setError] = useState<Msg | null>(null);
  const timer = useRef<number | undefined>(undefined);
  const attempt = useRef<{ code: string; key: string } | null>(null);
  useEffect(() => () => clearTimeout(timer.current), []);
  function follow(j: RunJob) {
    setJob(j);
    if (j.status === 'running') {
      timer.current = window.setTimeout(
        () =>
          settleApi.job(j.id).then(follow, (e) => {
            if (!lost(e)) setError(() => describe(e));
          }),
        pollMs,
      );
      return;
    }
    attempt.current = null;
    onDone(j);
  }
  async function start(code: string) {
    setError(null);
    setJob(null);
    // A retry of a start that got no answer goes under the same key.
    const key = attempt.current?.code === code ? attempt.current.key : newKey(`run-${code}`);
    attempt.current = { code, key };
    try {
      follow(await settleApi.start(code, key));
    } catch (e) {
      if (lost(e)) return;
      if (e instanceof ApiError && e.status !== 0) attempt.current = null;
      setError(() =>
        describe(e, {
          404: (m) => m.runNoPlan,
          409: (m) => m.runRefused,
          422: (m) => `${m.runInvalid} ${e instanceof ApiError ? e.detail : ''}`,
        }),
      );
    }
  }
  return { job, error, start, running: job?.status === 'running' };
}

type Job = ReturnType<typeof useJob>;

// JobProgress shows a run job's stage while it runs, then its outcome.
function JobProgress({ job }: { job: RunJob }) {
  const m = t.value;
  if (job.status === 'running')
    return (
      <div class="job" id="job" role="status" aria-live="polite">
        <progress aria-label={m.runProgress} />
        <span>{m.runStage(job.period, m.jobStage[job.stage] ?? job.stage)}</span>
      </div>
    );
  if (job.status === 'failed')
    return (
      <p class="form-error" id="job" role="alert">
        {m.runFailed(job.period)} {job.error?.detail}
      </p>
    );
  const r = job.run!;
  return (
    <p class="notice" id="job" role="status">
      {m.runDone(job.period, r.attempt, number(r.members), money(r.bonus_total))}
    </p>
  );
}

// StartRun runs any period by its code (a week, say, or a month not
// listed), and shows the progress of the job the list's buttons start.
function StartRun({ suggested, periods, job }: { suggested: string; periods: PeriodEntry[]; job: Job }) {
  const m = t.value;
  const [code, setCode] = useState(suggested);
  const [codeError, setCodeError] = useState<Msg | null>(null);
  useEffect(() => setCode(suggested), [suggested]);
  const existing = periods.find((p) => p.period === code.trim());
  const closed = existing?.status === 'approved' || existing?.status === 'paid';
  function submit(e: Event) {
    e.preventDefault();
    const c = code.trim();
    if (!/^\d{4}-(0[1-9]|1[0-2])$|^\d{4}-W\d{2}$/.test(c)) {
      setCodeError(() => (m: Messages) => m.periodCodeInvalid);
      return;
    }
    setCodeError(null);
    job.start(c);
  }
  return (
    <form class="run-form" id="run-form" onSubmit={submit} noValidate>
      <Field
        id="run-period"
        label={m.runPeriodLabel}
        value={code}
        placeholder="2026-03"
        error={codeError ?? job.error}
        onInput={(v) => {
          setCode(v);
          setCodeError(null);
        }}
      />
      <button type="submit" id="run" disabled={job.running || closed}>
        {existing?.status === 'draft' ? m.rerunPeriod : m.runPeriod}
      </button>
      {closed && <p class="hint">{m.runClosed}</p>}
      {job.job && <JobProgress job={job.job} />}
    </form>
  );
}

// Plans lists the plan versions and uploads a new one.
function Plans({ plans, onUploaded }: { plans: Plan[] | null; onUploaded: () => void }) {
  const m = t.value;
  const [doc, setDoc] = useState('');
  const [fileName, setFileName] = useState('');
  const [effective, setEffective] = useState('');
  const [docError, setDocError] = useState<Msg | null>(null);
  const [effError, setEffError] = useState<Msg | null>(null);
  const [formError, setFormError] = useState<Msg | null>(null);
  const [done, setDone] = useState<Plan | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    setDone(null);
    setFormError(null);
    const missingDoc = !doc.trim();
    const missingEff = !/^\d{4}-\d{2}-\d{2}$/.test(effective);
    setDocError(missingDoc ? () => (m: Messages) => m.planFileRequired : null);
    setEffError(missingEff ? () => (m: Messages) => m.planEffectiveRequired : null);
    if (missingDoc || missingEff) return;
    setBusy(true);
    try {
      const p = await settleApi.upload(doc, effective);
      setDone(p);
      onUploaded();
    } catch (e) {
      if (lost(e)) return;
      const d = e instanceof ApiError ? e.detail : '';
      if (e instanceof ApiError && e.status === 422 && d.startsWith('effective'))
        setEffError(() => refusal(e, (m) => m.planEffectiveRefused));
      else if (e instanceof ApiError && (e.status === 422 || e.status === 400))
        setDocError(() => refusal(e, (m) => m.planRefused));
      else setFormError(() => describe(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <section class="card" id="plans" aria-labelledby="plans-title">
      <h2 id="plans-title">{m.plans}</h2>
      {plans && !plans.length && <p id="no-plans">{m.noPlans}</p>}
      {plans && plans.length > 0 && (
        <table class="queue plans">
          <thead>
            <tr>
              <th scope="col">{m.settlePlan}</th>
              <th scope="col">{m.planEffective}</th>
              <th scope="col">{m.planUploaded}</th>
            </tr>
          </thead>
          <tbody>
            {[...plans].reverse().map((p) => (
              <tr key={p.id} data-plan={p.id}>
                <td data-label={m.settlePlan}>
                  {p.name} v{p.version}
                </td>
                <td data-label={m.planEffective}>{companyDate(p.effective_from)}</td>
                <td data-label={m.planUploaded}>
                  {who(p.uploaded_by)} · {dateTime(p.uploaded_at)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {isFinance() && (
        <form class="plan-form" id="plan-form" onSubmit={submit} noValidate>
          <h3>{m.uploadPlan}</h3>
          <div class="field">
            <label for="plan-file">{m.planFile}</label>
            <input
              id="plan-file"
              type="file"
              accept=".yaml,.yml,.json,application/yaml,application/json,text/yaml"
              aria-invalid={docError ? 'true' : undefined}
              aria-describedby={docError ? 'plan-file-error' : 'plan-file-hint'}
              onChange={async (e) => {
                const f = e.currentTarget.files?.[0];
                setDocError(null);
                setDone(null);
                setFileName(f?.name ?? '');
                setDoc(f ? await f.text() : '');
              }}
            />
            <p class="hint" id="plan-file-hint">
              {fileName ? m.planChosen(fileName) : m.planFileHint}
            </p>
            {docError && (
              <p class="field-error" id="plan-file-error" role="alert">
                {docError(m)}
              </p>
            )}
          </div>
          <Field
            id="plan-effective"
            type="date"
            label={m.planEffective}
            value={effective}
            error={effError}
            onInput={(v) => {
              setEffective(v);
              setEffError(null);
            }}
          />
          <button type="submit" id="upload-plan" disabled={busy}>
            {busy ? m.uploading : m.uploadPlan}
          </button>
          {formError && (
            <p class="form-error" role="alert">
              {formError(m)}
            </p>
          )}
          {done && (
            <p class="notice" id="plan-uploaded" role="status">
              {m.planStored(done.name, done.version, companyDate(done.effective_from))}
            </p>
          )}
        </form>
      )}
    </section>
  );
}

// delta is b − a of two money strings, exactly: in cents, as BigInt.
function cents(s: string): bigint {
  const neg = s.startsWith('-');
  const [i, f = ''] = s.replace('-', '').split('.');
  const v = BigInt(i || '0') * 100n + BigInt((f + '00').slice(0, 2));
  return neg ? -v : v;
}
function fromCents(c: bigint): string {
  const neg = c < 0n;
  const a = neg ? -c : c;
  return `${neg ? '-' : ''}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
}
export function delta(now: string, before: string): string {
  return fromCents(cents(now) - cents(before));
}

function Delta({ value }: { value: string }) {
  const c = cents(value);
  const cls = c > 0n ? 'up' : c < 0n ? 'down' : 'same';
  return <span class={`delta ${cls}`}>{c > 0n ? '+' + money(value) : money(value)}</span>;
}

// SettlementPeriod is one period's run: totals, breakdown against the
// period before, explanations, adjustments, approval, payout.
export function SettlementPeriod({ code }: { code: string }) {
  const m = t.value;
  const [b, setB] = useState<Breakdown | null>(null);
  const [adjs, setAdjs] = useState<Adjustment[]>([]);
  const [payout, setPayout] = useState<Payout | null>(null);
  const [error, setError] = useState<Msg | null>(null);
  const [loads, setLoads] = useState(0);
  // before is this period's run as it stood before a re-run from this page.
  const [before, setBefore] = useState<Run | null>(null);
  const [explain, setExplain] = useState('');
  useEffect(() => {
    setError(null);
    Promise.all([settleApi.breakdown(code), settleApi.adjustments(code)]).then(
      ([bd, as]) => {
        setB(bd);
        setAdjs(as);
        if (bd.run.status === 'paid') settleApi.payout(code).then(setPayout, (e) => !lost(e) && setError(() => describe(e)));
      },
      (e) => !lost(e) && setError(() => describe(e, { 404: (m) => m.periodNotRun(code) })),
    );
  }, [code, loads]);
  const reload = () => setLoads((n) => n + 1);
  const { job, error: jobError, start, running } = useJob(() => reload());
  const run = b?.run;
  return (
    <main class="staff-page settlement">
      <p>
        <a
          href={`${base}settlement`}
          id="back"
          onClick={(e) => {
            e.preventDefault();
            navigate(`${base}settlement`);
          }}
        >
          ← {m.settlement}
        </a>
      </p>
      {error && (
        <p class="form-error card" role="alert" id="period-error">
          {error(m)}
        </p>
      )}
      {run && (
        <>
          <section class="card" id="run-summary" aria-labelledby="run-title">
            <div class="queue-head">
              <h1 id="run-title">
                {m.settlementOf(periodLabel(run))} <StatusBadge status={run.status} />
              </h1>
              {isFinance() && run.status === 'draft' && (
                <button
                  type="button"
                  class="ghost"
                  id="rerun"
                  disabled={running}
                  onClick={() => {
                    setBefore(run);
                    start(code);
                  }}
                >
                  {m.rerunPeriod}
                </button>
              )}
            </div>
            {job && <JobProgress job={job} />}
            {jobError && (
              <p class="form-error" role="alert">
                {jobError(m)}
              </p>
            )}
            <dl class="figures">
              <Figure
                label={m.settleBonusTotal}
                id="bonus-total"
                value={money(run.bonus_total)}
                was={before?.bonus_total}
                now={run.bonus_total}
              />
              <Figure label={m.settleBeforeCap} value={money(run.before_cap)} />
              <Figure label={m.settleClawbacks} value={money(run.clawback_total)} />
              <Figure
                label={m.settleManual}
                value={`${money(run.manual_adjustments?.total ?? '0')} (${number(run.manual_adjustments?.count ?? adjs.length)})`}
              />
              <Figure label={m.settleMembers} value={`${number(run.members)} / ${m.settleActive(number(run.active))}`} />
              <Figure label={m.settleLines} value={number(run.lines)} />
              <Figure label={m.settleTotalBV} value={number(run.total_bv)} />
              <Figure
                label={m.settleRunBy}
                id="run-by"
                value={`${who(run.run_by)} · ${dateTime(run.run_at)} · ${m.attempt(run.attempt)}`}
              />
              {run.approved_by && (
                <Figure
                  label={m.settleApprovedBy}
                  id="approved-by"
                  value={`${who(run.approved_by)} · ${dateTime(run.approved_at)} · ${run.approve_reason}`}
                />
              )}
            </dl>
            {before && before.attempt !== run.attempt && (
              <p class="hint" id="rerun-compare">
                {m.rerunCompare(before.attempt, money(before.bonus_total), money(run.bonus_total))}
              </p>
            )}
          </section>
          <BreakdownCard b={b!} onExplain={setExplain} />
          <Explain code={code} member={explain} onMember={setExplain} />
          <Adjustments code={code} run={run} items={adjs} onDone={reload} />
          {run.status === 'draft' && <Approve code={code} run={run} adjs={adjs} onDone={reload} />}
          {run.status === 'approved' && <Pay code={code} onDone={reload} />}
          {payout && <PayoutCard p={payout} />}
        </>
      )}
    </main>
  );
}

function Figure(props: { label: string; value: string; id?: string; was?: string; now?: string }) {
  return (
    <div class="figure" id={props.id}>
      <dt>{props.label}</dt>
      <dd>
        {props.value}
        {props.was !== undefined && props.now !== undefined && props.was !== props.now && (
          <>
            {' '}
            <Delta value={delta(props.now, props.was)} />
          </>
        )}
      </dd>
    </div>
  );
}

function BreakdownCard({ b, onExplain }: { b: Breakdown; onExplain: (code: string) => void }) {
  const m = t.value;
  const prior = b.baseline;
  return (
    <section class="card" id="breakdown" aria-labelledby="breakdown-title">
      <h2 id="breakdown-title">{m.breakdown}</h2>
      <p class="hint" id="baseline">
        {prior ? m.comparedWith(periodLabel(prior), m.settleStatus[prior.status] ?? prior.status) : m.noBaseline}
      </p>
      <div class="breakdown-grid">
        <table class="queue" id="per-bonus">
          <caption>{m.perBonus}</caption>
          <thead>
            <tr>
              <th scope="col">{m.colBonus}</th>
              <th scope="col" class="num">
                {m.colAmount}
              </th>
              <th scope="col" class="num">
                {m.previous}
              </th>
              <th scope="col" class="num">
                {m.change}
              </th>
            </tr>
          </thead>
          <tbody>
            {b.bonuses.map((x) => (
              <tr key={x.bonus} data-bonus={x.bonus}>
                <td data-label={m.colBonus}>{m.bonusName[x.bonus] ?? x.bonus}</td>
                <td data-label={m.colAmount} class="num amount">
                  {money(x.amount)}
                </td>
                <td data-label={m.previous} class="num">
                  {prior ? money(x.baseline) : '—'}
                </td>
                <td data-label={m.change} class="num">
                  {prior ? <Delta value={delta(x.amount, x.baseline)} /> : '—'}
                </td>
              </tr>
            ))}
            {!b.bonuses.length && (
              <tr>
                <td colSpan={4}>{m.noBonusLines}</td>
              </tr>
            )}
          </tbody>
        </table>
        <table class="queue" id="per-rank">
          <caption>{m.perRank}</caption>
          <thead>
            <tr>
              <th scope="col">{m.rankHeld}</th>
              <th scope="col" class="num">
                {m.settleMembers}
              </th>
              <th scope="col" class="num">
                {m.colAmount}
              </th>
              <th scope="col" class="num">
                {m.change}
              </th>
            </tr>
          </thead>
          <tbody>
            {b.ranks.map((x) => (
              <tr key={x.rank} data-rank={x.rank}>
                <td data-label={m.rankHeld}>{x.rank}</td>
                <td data-label={m.settleMembers} class="num">
                  {number(x.members)}
                  {prior && x.members !== x.baseline_members && (
                    <span class="hint">
                      {' '}
                      ({x.members > x.baseline_members ? '+' : ''}
                      {number(x.members - x.baseline_members)})
                    </span>
                  )}
                </td>
                <td data-label={m.colAmount} class="num">
                  {money(x.amount)}
                </td>
                <td data-label={m.change} class="num">
                  {prior ? <Delta value={delta(x.amount, x.baseline_amount)} /> : '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <table class="queue" id="movers">
        <caption>{m.movers}</caption>
        <thead>
          <tr>
            <th scope="col">{m.statementMember}</th>
            <th scope="col">{m.rankHeld}</th>
            <th scope="col" class="num">
              {m.colAmount}
            </th>
            <th scope="col" class="num">
              {m.previous}
            </th>
            <th scope="col" class="num">
              {m.change}
            </th>
          </tr>
        </thead>
        <tbody>
          {b.movers.map((x) => (
            <tr key={x.member} data-member={x.member}>
              <td data-label={m.statementMember}>
                <button
                  type="button"
                  class="link mono"
                  onClick={() => onExplain(x.member)}
                  aria-label={m.explainMember(x.member)}
                >
                  {x.member}
                </button>
              </td>
              <td data-label={m.rankHeld}>{x.rank || '—'}</td>
              <td data-label={m.colAmount} class="num">
                {money(x.amount)}
              </td>
              <td data-label={m.previous} class="num">
                {money(x.baseline)}
              </td>
              <td data-label={m.change} class="num">
                <Delta value={x.change} />
              </td>
            </tr>
          ))}
          {!b.movers.length && (
            <tr>
              <td colSpan={5}>{m.noMovers}</td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}

// Explain finds a member's lines of the period with the engine's
// explanation of each.
function Explain({ code, member, onMember }: { code: string; member: string; onMember: (c: string) => void }) {
  const m = t.value;
  const [query, setQuery] = useState(member);
  const [st, setSt] = useState<Statement | null>(null);
  const [error, setError] = useState<Msg | null>(null);
  const lang = locale.value;
  useEffect(() => setQuery(member), [member]);
  useEffect(() => {
    setSt(null);
    setError(null);
    if (!member) return;
    settleApi.statement(member, code, lang).then(
      (s) => {
        setSt(s);
        document.getElementById('explain')?.scrollIntoView({ block: 'start' });
      },
      (e) => !lost(e) && setError(() => describe(e, { 404: (m) => m.memberNotFound(member) })),
    );
  }, [member, code, lang]);
  return (
    <section class="card" id="explain" aria-labelledby="explain-title">
      <h2 id="explain-title">{m.explainTitle}</h2>
      <form
        class="run-form"
        onSubmit={(e) => {
          e.preventDefault();
          const c = query.trim().toUpperCase();
          if (!c) {
            setError(() => (m: Messages) => m.memberCodeRequired);
            return;
          }
          onMember(c);
        }}
        noValidate
      >
        <Field
          id="explain-member"
          label={m.memberCode}
          value={query}
          error={error}
          onInput={(v) => {
            setQuery(v);
            setError(null);
          }}
        />
        <button type="submit" id="explain-go">
          {m.explain}
        </button>
      </form>
      {st && (
        <div id="explanation">
          <p>
            <strong>
              {st.member} {st.name}
            </strong>{' '}
            · {st.summary}
          </p>
          {st.lines.length ? (
            <ol class="explanation">
              {st.lines.map((l, i) => (
                <li key={i}>
                  <span class="amount">
                    {m.bonusName[l.bonus] ?? l.bonus} {money(l.amount, st.currency)}
                  </span>
                  <span>{l.explanation}</span>
                </li>
              ))}
            </ol>
          ) : (
            <p>{m.noBonusLines}</p>
          )}
          <p class="total">
            {m.statementTotal}: <strong id="explain-total">{money(st.total, st.currency)}</strong>
          </p>
        </div>
      )}
    </section>
  );
}

function Adjustments({ code, run, items, onDone }: { code: string; run: Run; items: Adjustment[]; onDone: () => void }) {
  const m = t.value;
  const [member, setMember] = useState('');
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [errs, setErrs] = useState<{ member?: Msg; amount?: Msg; reason?: Msg; form?: Msg }>({});
  const [busy, setBusy] = useState(false);
  const attempt = useRef<{ body: string; key: string } | null>(null);
  const open = run.status === 'draft' && isFinance();
  async function submit(e: Event) {
    e.preventDefault();
    const c = member.trim().toUpperCase();
    const a = amount.trim();
    const r = reason.trim();
    const next: typeof errs = {};
    if (!c) next.member = (m) => m.memberCodeRequired;
    if (!/^-?\d+(\.\d{1,2})?$/.test(a) || cents(a) === 0n) next.amount = (m) => m.adjustAmountInvalid;
    if (!r) next.reason = (m) => m.reasonRequired;
    setErrs(next);
    if (Object.keys(next).length) return;
    const body = JSON.stringify([c, a, r]);
    const key = attempt.current?.body === body ? attempt.current.key : newKey(`adjust-${code}`);
    attempt.current = { body, key };
    setBusy(true);
    try {
      await settleApi.adjust(code, c, a, r, key);
      attempt.current = null;
      setMember('');
      setAmount('');
      setReason('');
      onDone();
    } catch (e) {
      if (lost(e)) return;
      if (e instanceof ApiError && e.status !== 0) attempt.current = null;
      const d = e instanceof ApiError ? e.detail : '';
      if (e instanceof ApiError && e.status === 404) setErrs({ member: (m) => m.memberNotFound(c) });
      else if (e instanceof ApiError && e.status === 422 && /amount/.test(d))
        setErrs({ amount: refusal(e, (m) => m.adjustAmountInvalid) });
      else if (e instanceof ApiError && e.status === 422 && /reason/.test(d)) setErrs({ reason: (m) => m.reasonRequired });
      else setErrs({ form: describe(e, { 409: (m) => m.adjustClosed, 422: refusal(e, (m) => m.adjustRefused) }) });
    } finally {
      setBusy(false);
    }
  }
  return (
    <section class="card" id="adjustments" aria-labelledby="adjust-title">
      <h2 id="adjust-title">{m.adjustments}</h2>
      {items.length ? (
        <table class="queue">
          <thead>
            <tr>
              <th scope="col">{m.statementMember}</th>
              <th scope="col" class="num">
                {m.colAmount}
              </th>
              <th scope="col">{m.adjustReason}</th>
              <th scope="col">{m.adjustEnteredBy}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((a) => (
              <tr key={a.id} data-adjustment={a.id}>
                <td data-label={m.statementMember} class="mono">
                  {a.member}
                </td>
                <td data-label={m.colAmount} class="num">
                  <Delta value={a.amount} />
                </td>
                <td data-label={m.adjustReason}>{a.reason}</td>
                <td data-label={m.adjustEnteredBy}>
                  {who(a.entered_by)} · {dateTime(a.entered_at)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>{m.noAdjustments}</p>
      )}
      {open && (
        <form class="run-form adjust-form" id="adjust-form" onSubmit={submit} noValidate>
          <Field
            id="adjust-member"
            label={m.memberCode}
            value={member}
            error={errs.member ?? null}
            onInput={(v) => {
              setMember(v);
              setErrs({ ...errs, member: undefined });
            }}
          />
          <Field
            id="adjust-amount"
            label={m.adjustAmount}
            inputMode="decimal"
            placeholder="-12.50"
            value={amount}
            error={errs.amount ?? null}
            onInput={(v) => {
              setAmount(v);
              setErrs({ ...errs, amount: undefined });
            }}
          />
          <Field
            id="adjust-reason"
            label={m.adjustReason}
            value={reason}
            error={errs.reason ?? null}
            onInput={(v) => {
              setReason(v);
              setErrs({ ...errs, reason: undefined });
            }}
          />
          <button type="submit" id="adjust" disabled={busy}>
            {m.adjustEnter}
          </button>
          {errs.form && (
            <p class="form-error" role="alert">
              {errs.form(m)}
            </p>
          )}
          <p class="hint">{m.adjustHint}</p>
        </form>
      )}
    </section>
  );
}

function Approve({ code, run, adjs, onDone }: { code: string; run: Run; adjs: Adjustment[]; onDone: () => void }) {
  const m = t.value;
  const [reason, setReason] = useState('');
  const [error, setError] = useState<Msg | null>(null);
  const [busy, setBusy] = useState(false);
  const attempt = useRef<{ reason: string; key: string } | null>(null);
  const ranIt = mine(run.run_by);
  const adjusted = adjs.some((a) => mine(a.entered_by));
  async function submit(e: Event) {
    e.preventDefault();
    const r = reason.trim();
    if (!r) {
      setError(() => (m: Messages) => m.reasonRequired);
      return;
    }
    const key = attempt.current?.reason === r ? attempt.current.key : newKey(`approve-${code}`);
    attempt.current = { reason: r, key };
    setBusy(true);
    setError(null);
    try {
      await settleApi.approve(code, r, key);
      attempt.current = null;
      onDone();
    } catch (e) {
      if (lost(e)) return;
      if (e instanceof ApiError && e.status !== 0) attempt.current = null;
      const d = e instanceof ApiError ? e.detail : '';
      setError(() =>
        describe(e, {
          422: /cannot also approve/.test(d)
            ? (m) => m.fourEyesRefused
            : /reason/.test(d)
              ? (m) => m.reasonRequired
              : refusal(e, (m) => m.approveRefused),
          409: (m) => m.approveConflict,
        }),
      );
    } finally {
      setBusy(false);
    }
  }
  return (
    <section class="card" id="approve" aria-labelledby="approve-title">
      <h2 id="approve-title">{m.approveTitle}</h2>
      {!isFinance() ? (
        <p class="hint">{m.approveFinanceOnly}</p>
      ) : (
        <>
          {(ranIt || adjusted) && (
            <p class="notice warn" id="four-eyes" role="note">
              {ranIt ? m.youRanIt : m.youAdjustedIt}
            </p>
          )}
          <form class="run-form" onSubmit={submit} noValidate>
            <Field
              id="approve-reason"
              label={m.approveReason}
              value={reason}
              error={error}
              onInput={(v) => {
                setReason(v);
                setError(null);
              }}
            />
            <button type="submit" id="approve-run" disabled={busy}>
              {m.approveRun}
            </button>
          </form>
        </>
      )}
    </section>
  );
}

function Pay({ code, onDone }: { code: string; onDone: () => void }) {
  const m = t.value;
  const [min, setMin] = useState('');
  const [error, setError] = useState<Msg | null>(null);
  const [busy, setBusy] = useState(false);
  const attempt = useRef<{ min: string; key: string } | null>(null);
  if (!isFinance())
    return (
      <section class="card" id="pay">
        <h2>{m.payTitle}</h2>
        <p class="hint">{m.approveFinanceOnly}</p>
      </section>
    );
  async function submit(e: Event) {
    e.preventDefault();
    const v = min.trim() || '0';
    if (!/^\d+(\.\d{1,2})?$/.test(v)) {
      setError(() => (m: Messages) => m.minPayoutInvalid);
      return;
    }
    // The key is kept while the same payout is retried: it cannot pay twice.
    const key = attempt.current?.min === v ? attempt.current.key : newKey(`pay-${code}`);
    attempt.current = { min: v, key };
    setBusy(true);
    setError(null);
    try {
      await settleApi.pay(code, v, key);
      attempt.current = null;
      onDone();
    } catch (e) {
      if (lost(e)) return;
      if (e instanceof ApiError && e.status !== 0) attempt.current = null;
      setError(() => describe(e, { 409: (m) => m.payConflict, 422: refusal(e, (m) => m.minPayoutInvalid) }));
    } finally {
      setBusy(false);
    }
  }
  return (
    <section class="card" id="pay" aria-labelledby="pay-title">
      <h2 id="pay-title">{m.payTitle}</h2>
      <p class="hint">{m.payHint}</p>
      <form class="run-form" onSubmit={submit} noValidate>
        <Field
          id="min-payout"
          label={m.minPayout}
          inputMode="decimal"
          placeholder="0.00"
          value={min}
          error={error}
          onInput={(v) => {
            setMin(v);
            setError(null);
          }}
        />
        <button type="submit" id="pay-run" disabled={busy}>
          {busy ? m.paying : m.payRun}
        </button>
      </form>
    </section>
  );
}

function PayoutCard({ p }: { p: Payout }) {
  const m = t.value;
  return (
    <section class="card" id="payout" aria-labelledby="payout-title">
      <h2 id="payout-title">{m.payoutTitle}</h2>
      <dl class="figures">
        <Figure label={m.payoutPaid} id="paid" value={`${money(p.paid_total, p.currency)} (${number(p.paid_count)})`} />
        <Figure
          label={m.payoutCarried}
          id="carried"
          value={`${money(p.carried_total, p.currency)} (${number(p.carried_count)})`}
        />
        <Figure label={m.minPayout} value={money(p.min_payout, p.currency)} />
        <Figure label={m.payoutBy} value={`${who(p.paid_by)} · ${dateTime(p.paid_at)}`} />
      </dl>
      <p class="queue-tools">
        <a class="ghost button" id="bank-csv" href={p.csv} download>
          {m.bankFileCsv}
        </a>
        <a class="ghost button" id="bank-xlsx" href={p.xlsx} download>
          {m.bankFileXlsx}
        </a>
      </p>
    </section>
  );
}
