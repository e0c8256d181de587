import { api, type Statement, type StatementEntry } from './api';
import { cents, decimal } from './cart';
import { money, number, periodDates, periodLabel } from './format';
import { Panel, useLoad } from './load';
import { locale, t } from './i18n';
import { base, navigate } from './router';

// Statements lists the periods the member has an approved statement of,
// newest first, each linking to its statement.
export function Statements({ code }: { code: string }) {
  const m = t.value;
  const list = useLoad(() => api.statements(code), [code]);
  return (
    <main class="statements-page">
      <h1 class="page-title">{m.statementsTitle}</h1>
      <Panel title={m.allStatements} load={list} id="statements">
        {(es: StatementEntry[]) =>
          es.length === 0 ? (
            <p class="empty">{m.noStatements}</p>
          ) : (
            <ul class="statement-list">
              {es.map((e) => (
                <li key={e.period} data-period={e.period}>
                  <a href={statementPath(e.period)} onClick={go(statementPath(e.period))}>
                    <strong>{periodLabel(e)}</strong>
                  </a>
                  <span class="dates">{periodDates(e)}</span>
                  <span class={`badge status-${e.status}`}>{m.statementStatus[e.status] ?? e.status}</span>
                  <span class="count">{m.statementLineCount(e.lines)}</span>
                  <span class="statement-total">{money(e.total)}</span>
                </li>
              ))}
            </ul>
          )
        }
      </Panel>
    </main>
  );
}

export function statementPath(period: string): string {
  return `${base}statements/${encodeURIComponent(period)}`;
}

export function go(to: string) {
  return (e: Event) => {
    e.preventDefault();
    navigate(to);
  };
}

// StatementPage is one period's statement: the member's summary, totals
// per bonus and every line with its source, level and explanation, laid
// out to print on A4.
export function StatementPage({ code, period }: { code: string; period: string }) {
  const m = t.value;
  const st = useLoad(() => api.statement(code, period, locale.value), [code, period, locale.value]);
  return (
    <main class="statement-page">
      <p class="no-print">
        <a href={`${base}statements`} onClick={go(`${base}statements`)} id="back-statements">
          ← {m.allStatements}
        </a>
      </p>
      <section class="card" id="statement-view">
        {!st.done ? (
          <p class="loading">{m.loading}</p>
        ) : st.error ? (
          <p class="form-error">{st.error(m)}</p>
        ) : (
          <StatementBody s={st.data!} />
        )}
      </section>
    </main>
  );
}

function StatementBody({ s }: { s: Statement }) {
  const m = t.value;
  const totals = new Map<string, bigint>();
  for (const l of s.lines) totals.set(l.bonus, (totals.get(l.bonus) ?? 0n) + cents(l.amount));
  return (
    <article class="statement">
      <div class="statement-head">
        <h1>{m.statementTitle(periodLabel(s))}</h1>
        <button type="button" class="no-print" id="print" onClick={() => window.print()}>
          {m.printStatement}
        </button>
      </div>
      <dl class="figures">
        <div class="figure" data-figure="member">
          <dt>{m.statementMember}</dt>
          <dd>
            {s.name} ({s.member})
          </dd>
        </div>
        <div class="figure" data-figure="dates">
          <dt>{m.statementDates}</dt>
          <dd>{periodDates(s)}</dd>
        </div>
        <div class="figure" data-figure="status">
          <dt>{m.status}</dt>
          <dd>{m.statementStatus[s.status] ?? s.status}</dd>
        </div>
        <div class="figure" data-figure="plan">
          <dt>{m.statementPlan}</dt>
          <dd>{s.plan}</dd>
        </div>
      </dl>
      <pre class="summary">{s.summary}</pre>

      <h2>{m.bonusTotals}</h2>
      <table class="totals" id="bonus-totals">
        <tbody>
          {[...totals].map(([bonus, c]) => (
            <tr key={bonus} data-bonus={bonus}>
              <th scope="row">{m.bonusName[bonus] ?? bonus}</th>
              <td class="num">{money(decimal(c), s.currency)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">{m.statementTotal}</th>
            <td class="num" id="statement-grand-total">
              <strong>{money(s.total, s.currency)}</strong>
            </td>
          </tr>
        </tfoot>
      </table>

      <h2>{m.bonusLines}</h2>
      {s.lines.length === 0 ? (
        <p class="empty">{m.noBonusLines}</p>
      ) : (
        <table class="lines" id="bonus-lines">
          <thead>
            <tr>
              <th scope="col">{m.colBonus}</th>
              <th scope="col">{m.colSource}</th>
              <th scope="col">{m.colLevel}</th>
              <th scope="col" class="num">
                {m.colAmount}
              </th>
              <th scope="col">{m.colExplanation}</th>
            </tr>
          </thead>
          <tbody>
            {s.lines.map((l, i) => (
              <tr key={i} data-bonus={l.bonus} data-source={l.source ?? ''}>
                <td data-label={m.colBonus}>{m.bonusName[l.bonus] ?? l.bonus}</td>
                <td data-label={m.colSource}>{l.source || '—'}</td>
                <td data-label={m.colLevel}>{l.level ? number(l.level) : '—'}</td>
                <td data-label={m.colAmount} class="num">
                  {money(l.amount, s.currency)}
                </td>
                <td data-label={m.colExplanation} class="why">
                  {l.explanation}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </article>
  );
}
