import { api, type NewMembers, type Performance } from './api';
import { t } from './i18n';
import { date, number, periodLabel } from './format';
import { base } from './router';
import { go } from './statements';
import { Panel, useLoad } from './load';

// Volumes arrive as decimal strings. What is still missing is a difference
// of two of them, taken exactly on integers scaled by 10^6 (a plan's
// requirement may have more decimals than a volume).
const scale = 1_000_000n;

function scaled(s: string): bigint {
  const neg = s.startsWith('-');
  const [int, frac = ''] = (neg ? s.slice(1) : s).split('.');
  const v = BigInt(int || '0') * scale + BigInt((frac + '000000').slice(0, 6));
  return neg ? -v : v;
}

function unscaled(v: bigint): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const frac = (a % scale).toString().padStart(6, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${a / scale}${frac ? '.' + frac : ''}`;
}

// short is what still lacks to reach need ("0" when reached).
export function short(need: string, have: string): string {
  const d = scaled(need) - scaled(have);
  return d > 0n ? unscaled(d) : '0';
}

// share is have / need as a fraction of a bar's width (a picture, not a
// figure: a float is fine here).
function share(need: string, have: string): number {
  const n = Number(need);
  return n <= 0 ? 1 : Math.max(0, Math.min(1, Number(have) / n));
}

function Bar({ id, label, have, need, done, note }: { id: string; label: string; have: string; need: string; done: boolean; note?: string }) {
  const m = t.value;
  return (
    <li class={`need${done ? ' done' : ''}`} data-need={id}>
      <div class="need-head">
        <span>{label}</span>
        <span>
          {have} / {need}
        </span>
      </div>
      <div class="meter" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(share(need, have) * 100)}>
        <span style={{ width: `${share(need, have) * 100}%` }} />
      </div>
      <p class="need-note">{done ? m.needMet : note}</p>
    </li>
  );
}

// ThisMonth is the member's figures for the current period: PV, group
// volume, the binary legs and carry, the rank held and what is missing for
// the next, by the plan's tests (each leg counted up to the cap).
export function ThisMonth({ code }: { code: string }) {
  const m = t.value;
  const load = useLoad(
    async () => ({ sponsor: await api.performance(code, 'sponsor'), placement: await api.performance(code, 'placement') }),
    [code],
  );
  return (
    <Panel title={m.thisPeriod} load={load} id="this-period">
      {({ sponsor: s, placement: p }: { sponsor: Performance; placement: Performance }) => (
        <div>
          <p class="hint">{periodLabel(s)}</p>
          <dl class="figures">
            <div class="figure" data-figure="rank">
              <dt>{m.rankHeld}</dt>
              <dd>{s.rank || m.noRankYet}</dd>
            </div>
            <div class="figure" data-figure="pv">
              <dt>{m.pv}</dt>
              <dd>{number(s.pv, 2)}</dd>
            </div>
            <div class="figure" data-figure="gv">
              <dt>{m.groupVolume}</dt>
              <dd>{number(s.gv, 2)}</dd>
            </div>
            <div class="figure" data-figure="binary">
              <dt>{m.binaryLegs}</dt>
              <dd>
                {m.leftRight(number(p.left_gv, 2), number(p.right_gv, 2))}
              </dd>
            </div>
            <div class="figure" data-figure="carry">
              <dt>{m.carryIn}</dt>
              <dd>{m.leftRight(number(p.carry_left, 2), number(p.carry_right, 2))}</dd>
            </div>
          </dl>
          <NextRank s={s} />
        </div>
      )}
    </Panel>
  );
}

function NextRank({ s }: { s: Performance }) {
  const m = t.value;
  const n = s.next_rank;
  if (!n) return <p class="empty" id="next-rank">{s.rank ? m.topRank : m.noPlanYet}</p>;
  const cap = n.qgv.cap;
  return (
    <div id="next-rank">
      <h3>{m.toReach(n.name)}</h3>
      <ul class="needs">
        <Bar
          id="pv"
          label={m.pv}
          have={number(n.pv.have, 2)}
          need={number(n.pv.need, 2)}
          done={!n.missing.includes('pv')}
          note={m.stillMissing(number(short(n.pv.need, n.pv.have), 2))}
        />
        <Bar
          id="qgv"
          label={m.qualifyingVolume}
          have={number(n.qgv.have, 2)}
          need={number(n.qgv.need, 2)}
          done={!n.missing.includes('qgv')}
          note={
            m.stillMissing(number(short(n.qgv.need, n.qgv.have), 2)) + (cap !== null ? ' ' + m.legCapNote(number(cap, 2)) : '')
          }
        />
        {n.legs && (
          <Bar
            id="legs"
            label={m.legsWithRank(n.legs.rank)}
            have={number(n.legs.have)}
            need={number(n.legs.need)}
            done={!n.missing.includes('legs')}
            note={m.legsMissing(n.legs.need - n.legs.have, n.legs.rank)}
          />
        )}
      </ul>
      {s.legs.length > 0 && (
        <ul class="legs" id="leg-volumes">
          {[...s.legs]
            .sort((a, b) => Number(b.gv) - Number(a.gv))
            .slice(0, 5)
            .map((l) => (
              <li key={l.head}>
                <a href={`${base}team/${encodeURIComponent(l.head)}`} onClick={go(`${base}team/${encodeURIComponent(l.head)}`)}>
                  {l.head}
                </a>
                <span>
                  {m.groupVolume} {number(l.gv, 2)}
                  {l.counted !== l.gv && scaled(l.counted) !== scaled(l.gv) && ` · ${m.counts(number(l.counted, 2))}`}
                </span>
              </li>
            ))}
        </ul>
      )}
    </div>
  );
}

// NewInTeam lists the members who joined one's sponsor team this period,
// newest first, each a link into the explorer.
export function NewInTeam({ code }: { code: string }) {
  const m = t.value;
  const load = useLoad(() => api.newMembers(code, 10), [code]);
  return (
    <Panel title={m.newInTeam} load={load} id="new-members">
      {(p: NewMembers) =>
        p.items.length === 0 ? (
          <p class="empty">{m.noNewMembers}</p>
        ) : (
          <ul class="legs">
            {p.items.map((n) => {
              const to = `${base}team/${encodeURIComponent(n.code)}`;
              return (
                <li key={n.code} data-member={n.code}>
                  <a href={to} onClick={go(to)}>
                    <code>{n.code}</code> {n.name}
                  </a>
                  <span>
                    {date(n.joined_at)} · {m.pv} {number(n.pv, 2)}
                  </span>
                </li>
              );
            })}
          </ul>
        )
      }
    </Panel>
  );
}
