import { useState } from 'preact/hooks';
import { request, seg } from './api';
import { locale, t } from './i18n';
import type { Messages } from './i18n/en';
import { companyZone, number } from './format';
import { useLoad } from './load';
import { base, navigate } from './router';
import { csvHref } from './staff/csv';
import './teamstats.css';

// Team and business statistics per month, as GET /analytics/teams/stats
// (HQ) and GET /members/{code}/team-stats (a member's sponsor team) answer
// them: the same page for an analyst and for a leader, only the team differs.

export interface RankCount {
  rank: string;
  held: number;
  reached: number;
  lost: number;
}

export interface Leg {
  code: string;
  name: string;
  members: number;
  joins: number;
  active: number;
  growth: number | null;
  volume: string;
}

export interface Retention {
  joined: number;
  after_1: number | null;
  after_3: number | null;
  after_6: number | null;
}

export interface PeriodStats {
  period: string;
  from: string;
  to: string;
  members: number;
  joins: number;
  active: number;
  growth: number | null;
  volume: string;
  left_volume: string | null;
  right_volume: string | null;
  ranked: boolean;
  ranks: RankCount[] | null;
  legs: Leg[] | null;
  leg_count: number;
  top_growing: Leg[] | null;
  retention: Retention;
}

export interface TeamStats {
  member?: string;
  name?: string;
  ranks: string[] | null;
  periods: PeriodStats[];
}

export const teamStats = (code: string, periods: number) =>
  code
    ? request<TeamStats>('GET', `/members/${seg(code)}/team-stats?periods=${periods}`)
    : request<TeamStats>('GET', `/analytics/teams/stats?periods=${periods}`);

const windows = [6, 12, 24, 36];

// month is a period's month, short ("Mar 2026", "2026年3月"), in the
// company's zone whatever the browser's.
const monthFormats = new Map<string, Intl.DateTimeFormat>();
function month(iso: string, locale: string): string {
  let f = monthFormats.get(locale);
  if (!f) monthFormats.set(locale, (f = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', timeZone: companyZone })));
  return f.format(new Date(iso));
}

// share is part of whole as a percentage in the current language, or a dash.
function share(part: number | null, whole: number): string {
  if (part === null) return '—';
  if (whole === 0) return '—';
  return new Intl.NumberFormat(locale.value, { style: 'percent', maximumFractionDigits: 0 }).format(part / whole);
}

const signed = (n: number | null) => (n === null ? '—' : n > 0 ? '+' + number(n) : number(n));

// TeamStatsView shows the statistics of code's team (HQ: code ""), with a
// choice of how many months.
export function TeamStatsView({ code, title, finder }: { code: string; title: string; finder?: boolean }) {
  const m = t.value;
  const [periods, setPeriods] = useState(12);
  const load = useLoad(() => teamStats(code, periods), [code, periods]);
  const st = load.data;
  const last = st?.periods[st.periods.length - 1];
  return (
    <main class="staff-page ts-page" id="team-stats">
      <section class="card">
        <div class="ts-head">
          <h1 id="ts-title">{st?.name ? m.tsTitleOf(title, st.name, st.member ?? code) : title}</h1>
          <div class="field ts-window">
            <label for="ts-periods">{m.tsPeriods}</label>
            <select id="ts-periods" value={periods} onChange={(e) => setPeriods(Number((e.currentTarget as HTMLSelectElement).value))}>
              {windows.map((n) => (
                <option key={n} value={n}>
                  {m.tsMonths(n)}
                </option>
              ))}
            </select>
          </div>
        </div>
        <p class="hint">{code ? m.tsTeamHint : m.tsHQHint}</p>
        {finder && <TeamFinder code={code} />}
        {!load.done ? (
          <p class="loading">{m.loading}</p>
        ) : load.error ? (
          <p class="form-error" id="ts-error" role="alert">
            {load.error(m)}
          </p>
        ) : (
          last && (
            <>
              <h2 id="ts-latest">{m.tsLatest(month(last.from, locale.value))}</h2>
              <dl class="figures" id="ts-summary">
              <Fig name="members" label={m.tsMembers} value={number(last.members)} />
              <Fig name="joins" label={m.tsJoins} value={number(last.joins)} />
              <Fig name="active" label={m.tsActive} value={number(last.active)} />
              <Fig name="growth" label={m.tsGrowth} value={signed(last.growth)} />
              <Fig name="volume" label={m.tsVolume} value={number(last.volume, 2)} />
              </dl>
            </>
          )
        )}
      </section>
      {st && st.periods.length > 0 && <Body st={st} code={code} />}
    </main>
  );
}

function Fig({ name, label, value }: { name: string; label: string; value: string }) {
  return (
    <div class="figure" data-figure={name}>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

function Body({ st, code }: { st: TeamStats; code: string }) {
  const m = t.value;
  const loc = locale.value;
  const ps = st.periods;
  const labels = ps.map((p) => month(p.from, loc));
  const last = ps[ps.length - 1];
  const ranks = st.ranks ?? [];
  const reached = ps.map((p) => (p.ranked ? (p.ranks ?? []).reduce((s, r) => s + r.reached, 0) : 0));
  const lost = ps.map((p) => (p.ranked ? (p.ranks ?? []).reduce((s, r) => s + r.lost, 0) : 0));
  const csv = [
    ['period', 'members', 'joins', 'active', 'growth', 'volume', 'ranks_reached', 'ranks_lost', 'joined', 'active_after_1', 'active_after_3', 'active_after_6'],
    ...ps.map((p, i) => [
      p.period,
      String(p.members),
      String(p.joins),
      String(p.active),
      p.growth === null ? '' : String(p.growth),
      p.volume,
      p.ranked ? String(reached[i]) : '',
      p.ranked ? String(lost[i]) : '',
      String(p.retention.joined),
      p.retention.after_1 === null ? '' : String(p.retention.after_1),
      p.retention.after_3 === null ? '' : String(p.retention.after_3),
      p.retention.after_6 === null ? '' : String(p.retention.after_6),
    ]),
  ];
  return (
    <>
      <section class="card ts-chart-card" id="ts-growth">
        <h2>{m.tsGrowthTitle}</h2>
        <div class="ts-pair">
          <LineChart
            id="ts-members-chart"
            title={m.tsMembersChart}
            labels={labels}
            series={[
              { name: m.tsMembers, cls: 's1', values: ps.map((p) => p.members) },
              { name: m.tsActive, cls: 's2', values: ps.map((p) => p.active) },
            ]}
          />
          <BarChart
            id="ts-joins-chart"
            title={m.tsJoinsChart}
            labels={labels}
            series={[
              { name: m.tsJoins, cls: 's1', values: ps.map((p) => p.joins) },
              { name: m.tsGrowth, cls: 's3', values: ps.map((p) => p.growth ?? 0) },
            ]}
          />
        </div>
        <div class="ts-table-wrap">
          <table class="lines ts-table" id="ts-months">
            <caption class="sr-only">{m.tsGrowthTitle}</caption>
            <thead>
              <tr>
                <th scope="col">{m.tsMonth}</th>
                <th scope="col" class="num">{m.tsMembers}</th>
                <th scope="col" class="num">{m.tsJoins}</th>
                <th scope="col" class="num">{m.tsActive}</th>
                <th scope="col" class="num">{m.tsGrowth}</th>
                <th scope="col" class="num">{m.tsVolume}</th>
              </tr>
            </thead>
            <tbody>
              {ps.map((p, i) => (
                <tr key={p.period} data-period={p.period}>
                  <th scope="row" data-label={m.tsMonth}>
                    {labels[i]}
                  </th>
                  <td data-label={m.tsMembers} class="num" data-col="members">
                    {number(p.members)}
                  </td>
                  <td data-label={m.tsJoins} class="num" data-col="joins">
                    {number(p.joins)}
                  </td>
                  <td data-label={m.tsActive} class="num" data-col="active">
                    {number(p.active)}
                  </td>
                  <td data-label={m.tsGrowth} class="num" data-col="growth">
                    {signed(p.growth)}
                  </td>
                  <td data-label={m.tsVolume} class="num" data-col="volume">
                    {number(p.volume, 2)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <a class="ts-csv" id="ts-csv" href={csvHref(csv)} download={`team-stats-${code || 'hq'}-${last.period}.csv`}>
          {m.exportCsv}
        </a>
      </section>

      <section class="card ts-chart-card" id="ts-ranks">
        <h2>{m.tsRanksTitle}</h2>
        {ranks.length === 0 || !ps.some((p) => p.ranked) ? (
          <p class="empty">{m.tsNoRuns}</p>
        ) : (
          <div class="ts-pair">
            <BarChart
              id="ts-ranks-chart"
              title={m.tsRanksChart}
              labels={labels}
              series={[
                { name: m.tsReached, cls: 's2', values: reached },
                { name: m.tsLost, cls: 's4', values: lost.map((v) => -v) },
              ]}
            />
            <div class="ts-table-wrap">
              <table class="lines ts-table" id="ts-rank-table">
                <caption class="sr-only">{m.tsRanksTitle}</caption>
                <thead>
                  <tr>
                    <th scope="col">{m.tsMonth}</th>
                    <th scope="col">{m.tsRank}</th>
                    <th scope="col" class="num">{m.tsHeld}</th>
                    <th scope="col" class="num">{m.tsReached}</th>
                    <th scope="col" class="num">{m.tsLost}</th>
                  </tr>
                </thead>
                <tbody>
                  {ps.flatMap((p, i) =>
                    !p.ranked
                      ? []
                      : (p.ranks ?? [])
                          .filter((r, k) => k > 0 || r.lost > 0)
                          .map((r) => (
                            <tr key={p.period + r.rank} data-period={p.period} data-rank={r.rank}>
                              <th scope="row" data-label={m.tsMonth}>
                                {labels[i]}
                              </th>
                              <td data-label={m.tsRank}>{r.rank}</td>
                              <td data-label={m.tsHeld} class="num" data-col="held">
                                {number(r.held)}
                              </td>
                              <td data-label={m.tsReached} class="num" data-col="reached">
                                {number(r.reached)}
                              </td>
                              <td data-label={m.tsLost} class="num" data-col="lost">
                                {number(r.lost)}
                              </td>
                            </tr>
                          )),
                  )}
                </tbody>
              </table>
            </div>
          </div>
        )}
      </section>

      <section class="card" id="ts-retention">
        <h2>{m.tsRetentionTitle}</h2>
        <p class="hint">{m.tsRetentionHint}</p>
        <div class="ts-table-wrap">
          <table class="lines ts-table" id="ts-retention-table">
            <caption class="sr-only">{m.tsRetentionTitle}</caption>
            <thead>
              <tr>
                <th scope="col">{m.tsCohort}</th>
                <th scope="col" class="num">{m.tsJoined}</th>
                <th scope="col" class="num">{m.tsAfter(1)}</th>
                <th scope="col" class="num">{m.tsAfter(3)}</th>
                <th scope="col" class="num">{m.tsAfter(6)}</th>
              </tr>
            </thead>
            <tbody>
              {ps.map((p, i) => (
                <tr key={p.period} data-period={p.period}>
                  <th scope="row" data-label={m.tsCohort}>
                    {labels[i]}
                  </th>
                  <td data-label={m.tsJoined} class="num" data-col="joined">
                    {number(p.retention.joined)}
                  </td>
                  <td data-label={m.tsAfter(1)} class="num" data-col="after1">
                    {share(p.retention.after_1, p.retention.joined)}
                  </td>
                  <td data-label={m.tsAfter(3)} class="num" data-col="after3">
                    {share(p.retention.after_3, p.retention.joined)}
                  </td>
                  <td data-label={m.tsAfter(6)} class="num" data-col="after6">
                    {share(p.retention.after_6, p.retention.joined)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section class="card" id="ts-legs">
        <h2>{m.tsLegsTitle(labels[labels.length - 1])}</h2>
        {last.left_volume !== null && (
          <dl class="figures" id="ts-sides">
            <Fig name="left" label={m.tsLeftVolume} value={number(last.left_volume, 2)} />
            <Fig name="right" label={m.tsRightVolume} value={number(last.right_volume ?? '0', 2)} />
          </dl>
        )}
        <Legs id="ts-leg-table" legs={last.legs ?? []} m={m} />
        {last.leg_count > (last.legs ?? []).length && <p class="hint">{m.tsLegsShown((last.legs ?? []).length, last.leg_count)}</p>}
        <h2>{m.tsTopTitle}</h2>
        <Legs id="ts-top-table" legs={last.top_growing ?? []} m={m} />
      </section>
    </>
  );
}

function Legs({ id, legs, m }: { id: string; legs: Leg[]; m: Messages }) {
  if (legs.length === 0) return <p class="empty">{m.tsNoLegs}</p>;
  return (
    <div class="ts-table-wrap">
      <table class="lines ts-table" id={id}>
        <thead>
          <tr>
            <th scope="col">{m.tsLeg}</th>
            <th scope="col" class="num">{m.tsMembers}</th>
            <th scope="col" class="num">{m.tsJoins}</th>
            <th scope="col" class="num">{m.tsActive}</th>
            <th scope="col" class="num">{m.tsGrowth}</th>
            <th scope="col" class="num">{m.tsVolume}</th>
          </tr>
        </thead>
        <tbody>
          {legs.map((l) => (
            <tr key={l.code} data-leg={l.code}>
              <th scope="row" data-label={m.tsLeg}>
                <span class="mono">{l.code}</span> {l.name}
              </th>
              <td data-label={m.tsMembers} class="num" data-col="members">
                {number(l.members)}
              </td>
              <td data-label={m.tsJoins} class="num" data-col="joins">
                {number(l.joins)}
              </td>
              <td data-label={m.tsActive} class="num" data-col="active">
                {number(l.active)}
              </td>
              <td data-label={m.tsGrowth} class="num" data-col="growth">
                {signed(l.growth)}
              </td>
              <td data-label={m.tsVolume} class="num" data-col="volume">
                {number(l.volume, 2)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

// The charts are small SVGs drawn here: a handful of bars and lines over at
// most 36 months need no library, and every chart has its table beside it
// for screen readers and for exact figures.

interface Series {
  name: string;
  cls: string;
  values: number[];
}

const W = 640;
const H = 240;
const pad = { top: 16, right: 40, bottom: 40, left: 72 };

// scale is the axis of values: from the lowest (0 or below) to the highest
// (above 0), in round steps.
function scale(series: Series[]) {
  const all = series.flatMap((s) => s.values);
  let lo = Math.min(0, ...all);
  let hi = Math.max(0, ...all);
  if (lo === hi) hi = 1;
  // Counts: whole steps.
  const raw = Math.max(1, (hi - lo) / 4);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? raw;
  lo = Math.floor(lo / step) * step;
  hi = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  for (let v = lo; v <= hi + step / 2; v += step) ticks.push(Math.round(v / step) * step || 0); // never -0
  const y = (v: number) => pad.top + ((hi - v) / (hi - lo)) * (H - pad.top - pad.bottom);
  return { y, ticks };
}

function Frame({ id, title, labels, series, children }: { id: string; title: string; labels: string[]; series: Series[]; children: (x: (i: number) => number, bw: number, y: (v: number) => number) => any }) {
  const { y, ticks } = scale(series);
  const n = labels.length;
  const bw = (W - pad.left - pad.right) / n;
  const x = (i: number) => pad.left + bw * i + bw / 2;
  const every = Math.ceil(n / 6);
  return (
    <figure class="ts-chart" id={id}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${id}-title`}>
        <title id={`${id}-title`}>{title}</title>
        {ticks.map((v) => (
          <g key={v} class="tick">
            <line x1={pad.left} x2={W - pad.right} y1={y(v)} y2={y(v)} class={v === 0 ? 'zero' : ''} />
            <text x={pad.left - 6} y={y(v) + 5} text-anchor="end">
              {number(v)}
            </text>
          </g>
        ))}
        {children(x, bw, y)}
        {labels.map((l, i) => {
          // The latest month always labelled; on a phone every other label (alt) is left out.
          const k = (n - 1 - i) / every;
          return Number.isInteger(k) ? (
            <text key={i} class={k % 2 ? 'label alt' : 'label'} x={x(i)} y={H - 10} text-anchor="middle">
              {l}
            </text>
          ) : null;
        })}
      </svg>
      <figcaption class="ts-legend">
        {series.map((s) => (
          <span key={s.name} class={`key ${s.cls}`}>
            {s.name}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

// BarChart draws each month's values side by side, from the zero line up
// or down.
function BarChart({ id, title, labels, series }: { id: string; title: string; labels: string[]; series: Series[] }) {
  return (
    <Frame id={id} title={title} labels={labels} series={series}>
      {(x, bw, y) => {
        const inner = Math.max(2, (bw * 0.8) / series.length);
        return series.map((s, k) => (
          <g key={s.name} class={`bars ${s.cls}`}>
            {s.values.map((v, i) => {
              const top = Math.min(y(v), y(0));
              return <rect key={i} x={x(i) - (inner * series.length) / 2 + inner * k} y={top} width={inner} height={Math.abs(y(v) - y(0))} />;
            })}
          </g>
        ));
      }}
    </Frame>
  );
}

// LineChart joins each series' months with a line, a dot on each month.
function LineChart({ id, title, labels, series }: { id: string; title: string; labels: string[]; series: Series[] }) {
  return (
    <Frame id={id} title={title} labels={labels} series={series}>
      {(x, _bw, y) =>
        series.map((s) => (
          <g key={s.name} class={`line ${s.cls}`}>
            <polyline points={s.values.map((v, i) => `${x(i)},${y(v)}`).join(' ')} />
            {s.values.map((v, i) => (
              <circle key={i} cx={x(i)} cy={y(v)} r={3.5} />
            ))}
          </g>
        ))
      }
    </Frame>
  );
}

// TeamFinder opens a member's team statistics by code (staff).
function TeamFinder({ code }: { code: string }) {
  const m = t.value;
  const [value, setValue] = useState(code);
  const [missing, setMissing] = useState(false);
  function submit(e: Event) {
    e.preventDefault();
    const c = value.trim();
    setMissing(!c);
    if (c) navigate(`${base}analytics/teams/${encodeURIComponent(c)}`);
  }
  return (
    <form class="ts-finder" id="ts-finder" onSubmit={submit} noValidate>
      <div class="field">
        <label for="ts-member">{m.tsFindLabel}</label>
        <input
          id="ts-member"
          value={value}
          autocomplete="off"
          aria-invalid={missing ? 'true' : undefined}
          aria-describedby={missing ? 'ts-member-error' : undefined}
          onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)}
        />
        {missing && (
          <p class="field-error" id="ts-member-error" role="alert">
            {m.tsFindRequired}
          </p>
        )}
      </div>
      <button type="submit" id="ts-find">
        {m.tsFindButton}
      </button>
      {code && (
        <a
          href={`${base}analytics/teams`}
          id="ts-hq"
          onClick={(e) => {
            e.preventDefault();
            navigate(`${base}analytics/teams`);
          }}
        >
          {m.tsBackToHQ}
        </a>
      )}
    </form>
  );
}

// The HQ pages (every member, or one member's team) and the leader's page.
export const HQTeamStats = ({ code = '' }: { code?: string }) => <TeamStatsView code={code} title={t.value.tsHQTitle} finder />;
export const MyTeamStats = ({ code }: { code: string }) => <TeamStatsView code={code} title={t.value.tsMyTitle} />;
