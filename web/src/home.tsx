import { api, type Member, type Order, type OrderPage, type Statement, type StatementEntry, type Team, type Wallet } from './api';
import { locale, t } from './i18n';
import { date, dateTime, money, number, periodLabel, previousMonth } from './format';
import { base } from './router';
import { go, statementPath } from './statements';
import { Panel, useLoad, type Load } from './load';
import { NewInTeam, ThisMonth } from './progress';
import { Announcements } from './announcements';

// Home is the member's first page: their profile, money, teams, last
// statement and recent orders, each from the API as it stands.
export function Home({ code }: { code: string }) {
  const m = t.value;
  const profile = useLoad(() => api.member(code), [code]);
  const wallet = useLoad(() => api.wallet(code), [code]);
  const sponsorTeam = useLoad(() => api.team(code, 'sponsor'), [code]);
  const placementTeam = useLoad(() => api.team(code, 'placement'), [code]);
  const orders = useLoad(() => api.orders(code, 5), [code]);
  // The newest approved statement, with its summary in the page's language.
  const last = useLoad(async (): Promise<Last> => {
    const es = await api.statements(code);
    return es.length ? { entry: es[0], statement: await api.statement(code, es[0].period, locale.value) } : {};
  }, [code, locale.value]);
  return (
    <main class="home">
      <ProfileCard load={profile} />
      <Announcements />
      <div class="grid">
        <ThisMonth code={code} />
        <NewInTeam code={code} />
      </div>
      <div class="grid">
        <Panel title={m.money} load={wallet} id="money">
          {(w: Wallet) => (
            <dl class="figures">
              <Figure label={m.wallet} value={money(w.wallet)} name="wallet" />
              <Figure label={m.bonusPayable} value={money(w.bonus_payable)} name="bonus-payable" />
            </dl>
          )}
        </Panel>
        <Panel title={m.lastStatement} load={last} id="statement">
          {(l: Last) => <LastStatement last={l} />}
        </Panel>
        <TeamPanel title={m.sponsorTree} load={sponsorTeam} id="team-sponsor" tree="sponsor" />
        <TeamPanel title={m.placementTree} load={placementTeam} id="team-placement" tree="placement" />
      </div>
      <Panel title={m.recentOrders} load={orders} id="orders">
        {(p: OrderPage) =>
          p.items.length === 0 ? (
            <p class="empty">{m.noOrders}</p>
          ) : (
            <ul class="orders">
              {p.items.map((o) => (
                <li key={o.no} data-order={o.no}>
                  <OrderFigures o={o} />
                </li>
              ))}
            </ul>
          )
        }
      </Panel>
    </main>
  );
}

type Last = { entry?: StatementEntry; statement?: Statement };

// LastStatement is the newest approved statement; its month is read in
// the company's zone, as the API's period gives it, not the browser's.
function LastStatement({ last }: { last: Last }) {
  const m = t.value;
  const s = last.entry;
  if (!s) return <p class="empty">{m.noStatement(previousMonth(new Date()))}</p>;
  const to = statementPath(s.period);
  return (
    <div>
      <dl class="figures">
        <Figure label={m.period} value={periodLabel(s)} name="statement-period" />
        <Figure label={m.statementTotal} value={money(s.total)} name="statement-total" />
      </dl>
      {last.statement && <p class="summary">{last.statement.summary}</p>}
      <p>
        <a href={to} onClick={go(to)} id="last-statement">
          {m.statementTitle(periodLabel(s))}
        </a>
        {' · '}
        <a href={`${base}statements`} onClick={go(`${base}statements`)}>
          {m.allStatements}
        </a>
      </p>
    </div>
  );
}

function ProfileCard({ load }: { load: Load<Member> }) {
  const m = t.value;
  if (!load.done) return <section class="card profile">{m.loading}</section>;
  if (load.error || !load.data) return <section class="card profile error">{load.error?.(m)}</section>;
  const p = load.data;
  return (
    <section class="card profile" id="profile">
      <h1 data-name>{m.welcome(p.name)}</h1>
      <dl class="figures">
        <Figure label={m.memberCode} value={p.code} name="code" />
        <Figure label={m.status} value={m.memberStatus[p.status] ?? p.status} name="status" />
        <Figure label={m.joined} value={date(p.joined_at)} name="joined" />
        {p.sponsor && <Figure label={m.sponsor} value={p.sponsor} name="sponsor" />}
        {p.placement && (
          <Figure label={m.placement} value={`${p.placement} · ${m.side(p.side ?? '')}`} name="placement" />
        )}
      </dl>
    </section>
  );
}

// A leader's sponsor tree can have hundreds of frontline legs: the home
// lists the biggest few (the explorer will show them all).
const shownLegs = 5;

function biggest(legs: Team['legs']): Team['legs'] {
  return [...legs].sort((a, b) => b.total - a.total).slice(0, shownLegs);
}

function TeamPanel({ title, load, id, tree }: { title: string; load: Load<Team>; id: string; tree: string }) {
  const m = t.value;
  const explore = `${base}team?tree=${tree}`;
  return (
    <Panel title={title} load={load} id={id}>
      {(team: Team) => (
        <div>
          <dl class="figures">
            <Figure label={m.teamMembers} value={number(team.total)} name="total" />
            <Figure label={m.activeMembers} value={number(team.active)} name="active" />
            <Figure label={m.teamDepth} value={number(team.depth)} name="depth" />
          </dl>
          {team.legs.length === 0 ? (
            <p class="empty">{m.noLegs}</p>
          ) : (
            <ul class="legs">
              {biggest(team.legs).map((l) => (
                <li key={l.head}>
                  <span>{m.leg(l.head, l.side ?? '')}</span>
                  <span>
                    {number(l.total)} · {m.activeMembers} {number(l.active)}
                  </span>
                </li>
              ))}
              {team.legs.length > shownLegs && (
                <li class="more">{m.moreLegs(team.legs.length - shownLegs)}</li>
              )}
            </ul>
          )}
          <p>
            <a href={explore} onClick={go(explore)} class="explore">
              {m.openExplorer}
            </a>
          </p>
        </div>
      )}
    </Panel>
  );
}


// OrderFigures are an order's number, status, date, total and PV, as the
// home's recent orders and the orders page's history list them.
export function OrderFigures({ o }: { o: Order }) {
  const m = t.value;
  return (
    <>
      <span class="order-no">{o.no}</span>
      <span class={`badge status-${o.status}`}>{m.orderStatus[o.status] ?? o.status}</span>
      <span class="order-date">{dateTime(o.placed_at)}</span>
      <span class="order-total">{money(o.total)}</span>
      <span class="order-pv">
        {number(o.pv, 2)} {m.pv}
      </span>
    </>
  );
}

function Figure({ label, value, name }: { label: string; value: string; name: string }) {
  return (
    <div class="figure" data-figure={name}>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
