import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n';
import type { Messages } from '../i18n/en';
import { ApiError, request, seg } from '../api';
import { dateTime, money, number } from '../format';
import { describe, type Msg } from '../errors';
import { lost } from '../session';
import { csvHref } from './csv';
import { newKey } from '../cart';

// The admin's SMS console: bulk messages to a segment (preview, send, live
// progress), the templates per event and language, the message log with
// failures to resend, and the numbers that opted out.

interface Segment {
  region?: string;
  agency?: string;
  team?: string;
  rank?: string;
  lot_sku?: string;
  lot_batch?: string;
  active_days?: number;
  inactive_days?: number;
  lang?: string;
}

interface Bulk {
  segment: Segment;
  body_zh: string;
  body_en: string;
}

interface Segments {
  encoding: string;
  units: number;
  segments: number;
  per_segment: number;
  left_in_last: number;
}

interface Preview {
  recipients: number;
  by_lang: Record<string, number>;
  opted_out: number;
  segments_zh: Segments;
  segments_en: Segments;
  segments: number;
  cost_estimate: string;
  price_per_segment: string;
}

interface Progress {
  bulk: number;
  recipients: number;
  by_state: Record<string, number>;
  done: number;
  percent: number;
  cost_estimate: string;
}

export interface Message {
  id: number;
  kind: string;
  to: string;
  lang: string;
  body: string;
  segments: number;
  bulk?: number;
  state: string;
  attempts: number;
  delivery?: string;
  error_code?: number;
  error?: string;
  created_at: string;
  sent_at?: string;
}

interface Template {
  kind: string;
  lang: string;
  body: string;
  builtin: boolean;
  placeholders: string[];
  example: string;
  example_segments: Segments;
}

interface OptOut {
  phone: string;
  keyword: string;
  at: string;
}

const smsApi = {
  preview: (b: Bulk) => request<Preview>('POST', '/sms/bulk/preview', b),
  // key: one per previewed message, so that a retry after a lost answer
  // queues it once.
  queue: (b: Bulk, key: string) => request<{ id: number; preview: Preview }>('POST', '/sms/bulk', b, key),
  progress: (id: number) => request<Progress>('GET', `/sms/bulk/${id}`),
  messages: (q: string, cursor: string) =>
    request<{ items: Message[]; next?: string }>('GET', `/sms/messages?limit=20${q}${cursor ? `&cursor=${seg(cursor)}` : ''}`),
  failures: (cursor: string) =>
    request<{ items: Message[]; next?: string }>('GET', `/sms/failures?limit=20${cursor ? `&cursor=${seg(cursor)}` : ''}`),
  resend: (id: number) => request<void>('POST', `/sms/messages/${id}/resend`, {}),
  templates: () => request<Template[]>('GET', '/sms/templates'),
  setTemplate: (kind: string, lang: string, body: string) => request<Template>('POST', '/sms/templates', { kind, lang, body }),
  optOuts: (cursor: string) => request<OptOut[]>('GET', `/sms/opt-outs?limit=50${cursor ? `&cursor=${seg(cursor)}` : ''}`),
};

const tabs = ['bulk', 'templates', 'log', 'opt-outs'] as const;
type Tab = (typeof tabs)[number];

export function SMSConsole() {
  const m = t.value;
  const [tab, setTab] = useState<Tab>('bulk');
  const names: Record<Tab, string> = { bulk: m.smsBulk, templates: m.smsTemplates, log: m.smsLog, 'opt-outs': m.smsOptOuts };
  return (
    <main class="staff-page sms-page">
      <h1>{m.smsConsole}</h1>
      <div class="tabs" role="tablist" aria-label={m.smsConsole}>
        {tabs.map((k) => (
          <button
            key={k}
            type="button"
            role="tab"
            id={`tab-${k}`}
            class="ghost"
            aria-selected={tab === k}
            aria-controls={`panel-${k}`}
            onClick={() => setTab(k)}
          >
            {names[k]}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'bulk' && <BulkSend />}
        {tab === 'templates' && <Templates />}
        {tab === 'log' && <Log />}
        {tab === 'opt-outs' && <OptOuts />}
      </div>
    </main>
  );
}

interface SegmentDraft {
  region: string;
  agency: string;
  team: string;
  rank: string;
  lotSku: string;
  lotBatch: string;
  activity: '' | 'active' | 'inactive';
  days: string;
  lang: string;
}

const emptySegment: SegmentDraft = { region: '', agency: '', team: '', rank: '', lotSku: '', lotBatch: '', activity: '', days: '30', lang: '' };

// segmentFromAddress fills the segment from the address: a lot's journey
// links here with its product and batch (its recall list made a message).
function segmentFromAddress(): SegmentDraft {
  const q = new URLSearchParams(location.search);
  return { ...emptySegment, lotSku: q.get('lot_sku') ?? '', lotBatch: q.get('lot_batch') ?? '' };
}

type Field = 'region' | 'days' | 'body' | 'segment' | 'lotBatch';

// bulkOf checks the form and builds the bulk message, or names what is wrong.
function bulkOf(s: SegmentDraft, zh: string, en: string): { bulk?: Bulk; errors: Partial<Record<Field, Msg>> } {
  const errors: Partial<Record<Field, Msg>> = {};
  const seg: Segment = {};
  const region = s.region.trim();
  if (region && !/^\+\d{1,6}$/.test(region)) errors.region = (m) => m.regionFormat;
  else if (region) seg.region = region;
  if (s.agency.trim()) seg.agency = s.agency.trim().toUpperCase();
  if (s.team.trim()) seg.team = s.team.trim().toUpperCase();
  if (s.rank.trim()) seg.rank = s.rank.trim();
  const sku = s.lotSku.trim().toUpperCase();
  const batch = s.lotBatch.trim();
  if (!sku !== !batch) errors.lotBatch = (m) => m.segLotBoth;
  else if (sku) {
    seg.lot_sku = sku;
    seg.lot_batch = batch;
  }
  if (s.lang) seg.lang = s.lang;
  if (s.activity) {
    const d = Number(s.days);
    if (!/^\d+$/.test(s.days.trim()) || d < 1 || d > 3650) errors.days = (m) => m.daysRange;
    else if (s.activity === 'active') seg.active_days = d;
    else seg.inactive_days = d;
  }
  if (!zh.trim() && !en.trim()) errors.body = (m) => m.bodyRequired;
  if (Object.keys(errors).length) return { errors };
  return { bulk: { segment: seg, body_zh: zh.trim(), body_en: en.trim() }, errors };
}

function BulkSend() {
  const m = t.value;
  const [s, setS] = useState<SegmentDraft>(segmentFromAddress);
  const [zh, setZh] = useState('');
  const [en, setEn] = useState('');
  const [errors, setErrors] = useState<Partial<Record<Field, Msg>>>({});
  const [preview, setPreview] = useState<{ p: Preview; body: string; key: string } | null>(null);
  const [error, setError] = useState<Msg | null>(null);
  const [busy, setBusy] = useState(false);
  const [bulkId, setBulkId] = useState(0);
  const put = (d: Partial<SegmentDraft>) => {
    setS({ ...s, ...d });
    setPreview(null);
  };

  function refused(e: unknown) {
    if (lost(e)) return;
    if (e instanceof ApiError && e.status === 422) {
      const detail = e.detail;
      setErrors({ segment: (m: Messages) => m.segmentRefused(detail) });
    } else setError(() => describe(e));
  }

  async function doPreview(e: Event) {
    e.preventDefault();
    setError(null);
    const { bulk, errors } = bulkOf(s, zh, en);
    setErrors(errors);
    if (!bulk) return;
    setBusy(true);
    try {
      setPreview({ p: await smsApi.preview(bulk), body: JSON.stringify(bulk), key: newKey('bulk') });
    } catch (e) {
      refused(e);
    } finally {
      setBusy(false);
    }
  }

  async function send() {
    if (!preview) return;
    setError(null);
    setBusy(true);
    try {
      const r = await smsApi.queue(JSON.parse(preview.body), preview.key);
      setBulkId(r.id);
      setPreview(null);
    } catch (e) {
      refused(e);
    } finally {
      setBusy(false);
    }
  }

  const input = (id: keyof SegmentDraft, label: string, hint?: string, err?: Msg) => (
    <div class="field">
      <label for={`seg-${id}`}>{label}</label>
      <input
        id={`seg-${id}`}
        value={s[id]}
        autocomplete="off"
        aria-invalid={err ? 'true' : undefined}
        aria-describedby={err ? `seg-${id}-error` : hint ? `seg-${id}-hint` : undefined}
        onInput={(e) => put({ [id]: (e.target as HTMLInputElement).value })}
      />
      {hint && !err && (
        <p class="hint" id={`seg-${id}-hint`}>
          {hint}
        </p>
      )}
      {err && (
        <p class="field-error" id={`seg-${id}-error`} role="alert">
          {err(m)}
        </p>
      )}
    </div>
  );

  return (
    <section class="card" id="sms-bulk" aria-labelledby="bulk-title">
      <h2 id="bulk-title">{m.smsBulk}</h2>
      <form onSubmit={doPreview} noValidate>
        <fieldset class="segment-fields">
          <legend>{m.segment}</legend>
          {input('region', m.segRegion, m.segRegionHint, errors.region)}
          {input('agency', m.segAgency, m.segAgencyHint)}
          {input('team', m.segTeam, m.segTeamHint)}
          {input('rank', m.segRank, m.segRankHint)}
          {input('lotSku', m.segLotSku, m.segLotHint)}
          {input('lotBatch', m.segLotBatch, undefined, errors.lotBatch)}
          <div class="field">
            <label for="seg-activity">{m.segActivity}</label>
            <select id="seg-activity" value={s.activity} onChange={(e) => put({ activity: (e.target as HTMLSelectElement).value as SegmentDraft['activity'] })}>
              <option value="">{m.segAnyActivity}</option>
              <option value="active">{m.segActive}</option>
              <option value="inactive">{m.segInactive}</option>
            </select>
          </div>
          {s.activity && input('days', m.segDays, undefined, errors.days)}
          <div class="field">
            <label for="seg-lang">{m.segLang}</label>
            <select id="seg-lang" value={s.lang} onChange={(e) => put({ lang: (e.target as HTMLSelectElement).value })}>
              <option value="">{m.segAnyLang}</option>
              <option value="zh-CN">中文</option>
              <option value="en">English</option>
            </select>
          </div>
        </fieldset>
        <div class="field">
          <label for="body-zh">{m.bodyZh}</label>
          <textarea
            id="body-zh"
            rows={3}
            value={zh}
            aria-invalid={errors.body ? 'true' : undefined}
            onInput={(e) => {
              setZh((e.target as HTMLTextAreaElement).value);
              setPreview(null);
            }}
          />
        </div>
        <div class="field">
          <label for="body-en">{m.bodyEn}</label>
          <textarea
            id="body-en"
            rows={3}
            value={en}
            aria-invalid={errors.body ? 'true' : undefined}
            aria-describedby={errors.body ? 'body-error' : undefined}
            onInput={(e) => {
              setEn((e.target as HTMLTextAreaElement).value);
              setPreview(null);
            }}
          />
          {errors.body && (
            <p class="field-error" id="body-error" role="alert">
              {errors.body(m)}
            </p>
          )}
        </div>
        {errors.segment && (
          <p class="form-error" id="segment-error" role="alert">
            {errors.segment(m)}
          </p>
        )}
        <button type="submit" id="preview" disabled={busy}>
          {m.previewBulk}
        </button>
      </form>
      {error && (
        <p class="form-error" role="alert">
          {error(m)}
        </p>
      )}
      {preview && (
        <div class="bulk-preview" id="bulk-preview" role="status">
          <dl class="figures">
            <div>
              <dt>{m.recipients}</dt>
              <dd id="preview-recipients">{number(preview.p.recipients)}</dd>
            </div>
            <div>
              <dt>{m.byLang}</dt>
              <dd>
                中文 {number(preview.p.by_lang['zh-CN'] ?? 0)} · English {number(preview.p.by_lang['en'] ?? 0)}
              </dd>
            </div>
            <div>
              <dt>{m.optedOutNotCounted}</dt>
              <dd>{number(preview.p.opted_out)}</dd>
            </div>
            <div>
              <dt>{m.segmentsPerText}</dt>
              <dd>
                中文 {number(preview.p.segments_zh.segments)} ({preview.p.segments_zh.encoding}) · English{' '}
                {number(preview.p.segments_en.segments)} ({preview.p.segments_en.encoding})
              </dd>
            </div>
            <div>
              <dt>{m.segmentsInAll}</dt>
              <dd id="preview-segments">{number(preview.p.segments)}</dd>
            </div>
            <div>
              <dt>{m.costEstimate}</dt>
              <dd id="preview-cost">
                {money(preview.p.cost_estimate)} <span class="hint">({m.perSegment(money(preview.p.price_per_segment))})</span>
              </dd>
            </div>
          </dl>
          <button type="button" id="send-bulk" disabled={busy || preview.p.recipients === 0} onClick={send}>
            {m.sendBulk(number(preview.p.recipients))}
          </button>
        </div>
      )}
      {bulkId > 0 && <BulkProgress id={bulkId} />}
    </section>
  );
}

const stateNames = (m: Messages): Record<string, string> => m.smsStates;

function BulkProgress({ id }: { id: number }) {
  const m = t.value;
  const [p, setP] = useState<Progress | null>(null);
  const [error, setError] = useState<Msg | null>(null);
  const timer = useRef(0);
  useEffect(() => {
    let stop = false;
    const poll = async () => {
      try {
        const got = await smsApi.progress(id);
        if (stop) return;
        setP(got);
        if (got.done < got.recipients) timer.current = window.setTimeout(poll, 1000);
      } catch (e) {
        if (!stop && !lost(e)) setError(() => describe(e));
      }
    };
    poll();
    return () => {
      stop = true;
      window.clearTimeout(timer.current);
    };
  }, [id]);
  const finished = p !== null && p.done >= p.recipients;
  return (
    <div class="bulk-progress" id="bulk-progress">
      <h3>{m.bulkNo(id)}</h3>
      {error && (
        <p class="form-error" role="alert">
          {error(m)}
        </p>
      )}
      {p && (
        <>
          <div
            class="bar-figure"
            role="progressbar"
            aria-label={m.bulkNo(id)}
            aria-valuemin={0}
            aria-valuemax={p.recipients}
            aria-valuenow={p.done}
          >
            <div class="bar-fill" style={{ width: `${p.recipients ? Math.round((100 * p.done) / p.recipients) : 100}%` }} />
          </div>
          <p id="progress-text" aria-live="polite">
            {finished ? m.bulkDone(number(p.done), number(p.recipients)) : m.bulkSending(number(p.done), number(p.recipients))}
          </p>
          <ul class="by-state">
            {Object.entries(p.by_state).map(([k, v]) => (
              <li key={k} data-state={k}>
                {stateNames(m)[k] ?? k}: {number(v)}
              </li>
            ))}
          </ul>
          {finished && <MessageTable query={`&bulk=${id}`} id="bulk-messages" />}
        </>
      )}
    </div>
  );
}

function MessageTable({ query, id, failures }: { query: string; id: string; failures?: boolean }) {
  const m = t.value;
  const [cursors, setCursors] = useState<string[]>(['']);
  const [page, setPage] = useState<{ items: Message[]; next?: string } | null>(null);
  const [error, setError] = useState<Msg | null>(null);
  const [resent, setResent] = useState<Record<number, Msg>>({});
  const [version, setVersion] = useState(0);
  const cursor = cursors[cursors.length - 1];
  useEffect(() => {
    (failures ? smsApi.failures(cursor) : smsApi.messages(query, cursor)).then(setPage, (e) => !lost(e) && setError(() => describe(e)));
  }, [query, cursor, version]);
  useEffect(() => setCursors(['']), [query]);

  async function resend(msg: Message) {
    try {
      await smsApi.resend(msg.id);
      setResent({ ...resent, [msg.id]: (m: Messages) => m.resent });
      setVersion((v) => v + 1);
    } catch (e) {
      if (lost(e)) return;
      const d = e instanceof ApiError && e.status === 409 ? (m: Messages) => m.resendRefused : describe(e);
      setResent({ ...resent, [msg.id]: d });
    }
  }

  function csv() {
    const rows = [['id', 'to', 'lang', 'kind', 'state', 'delivery', 'error', 'created_at', 'body']];
    for (const x of page?.items ?? []) rows.push([String(x.id), x.to, x.lang, x.kind, x.state, x.delivery ?? '', x.error ?? '', x.created_at, x.body]);
    return csvHref(rows);
  }

  return (
    <div class="message-log">
      {error && (
        <p class="form-error" role="alert">
          {error(m)}
        </p>
      )}
      {page && !page.items.length && <p>{m.noMessages}</p>}
      {page && page.items.length > 0 && (
        <>
          <p class="list-tools">
            <a class="ghost button export" href={csv()} download={`${id}.csv`}>
              {m.exportCsv}
            </a>
          </p>
          <table class="queue cards" id={id}>
            <thead>
              <tr>
                <th scope="col">{m.smsTo}</th>
                <th scope="col">{m.smsKind}</th>
                <th scope="col">{m.smsText}</th>
                <th scope="col">{m.smsState}</th>
                <th scope="col">{m.smsCreated}</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((x) => (
                <tr key={x.id} data-message={x.id} data-to={x.to} data-state={x.state}>
                  <td data-label={m.smsTo} class="mono">
                    {x.to}
                  </td>
                  <td data-label={m.smsKind}>
                    {x.kind} · {x.lang}
                  </td>
                  <td data-label={m.smsText} class="sms-body">
                    {x.body}
                  </td>
                  <td data-label={m.smsState} class="state">
                    <span>
                      {stateNames(m)[x.state] ?? x.state}
                      {x.delivery && <span class="chip">{x.delivery}</span>}
                      {x.error && <span class="hint sms-error"> {x.error}</span>}
                      {(x.state === 'failed' || x.state === 'unknown') && (
                        <button type="button" class="ghost resend" onClick={() => resend(x)}>
                          {m.resend}
                        </button>
                      )}
                      {resent[x.id] && <span role="status"> {resent[x.id](m)}</span>}
                    </span>
                  </td>
                  <td data-label={m.smsCreated}>{dateTime(x.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <nav class="pager" aria-label={m.smsLog}>
        <button type="button" class="ghost" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
          {m.previousPage}
        </button>
        <button type="button" class="ghost" disabled={!page?.next} onClick={() => page?.next && setCursors([...cursors, page.next])}>
          {m.nextPage}
        </button>
      </nav>
    </div>
  );
}

const logStates = ['', 'queued', 'sending', 'retry', 'sent', 'failed', 'unknown', 'suppressed'];

function Log() {
  const m = t.value;
  const [state, setState] = useState('');
  const [to, setTo] = useState('');
  const [query, setQuery] = useState('');
  return (
    <section class="card" id="sms-log" aria-labelledby="log-title">
      <h2 id="log-title">{m.smsLog}</h2>
      <form
        class="log-filter"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery((state ? `&state=${state}` : '') + (to.trim() ? `&to=${seg(to.trim())}` : ''));
        }}
      >
        <div class="field">
          <label for="log-state">{m.smsState}</label>
          <select id="log-state" value={state} onChange={(e) => setState((e.target as HTMLSelectElement).value)}>
            {logStates.map((s) => (
              <option key={s} value={s}>
                {s ? stateNames(m)[s] ?? s : m.allStates}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="log-to">{m.smsTo}</label>
          <input id="log-to" value={to} inputMode="tel" onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
        </div>
        <button type="submit" class="ghost" id="log-filter">
          {m.filter}
        </button>
      </form>
      <MessageTable query={query} id="message-log" />
      <h2>{m.smsFailures}</h2>
      <MessageTable query="" id="failures" failures />
    </section>
  );
}

function Templates() {
  const m = t.value;
  const [list, setList] = useState<Template[] | null>(null);
  const [error, setError] = useState<Msg | null>(null);
  useEffect(() => {
    smsApi.templates().then(setList, (e) => !lost(e) && setError(() => describe(e)));
  }, []);
  const [kind, setKind] = useState('');
  const [lang, setLang] = useState('');
  const replace = (v: Template) => setList((l) => l?.map((x) => (x.kind === v.kind && x.lang === v.lang ? v : x)) ?? null);
  const kinds = [...new Set(list?.map((x) => x.kind) ?? [])];
  const shown = list?.filter((x) => (!kind || x.kind === kind) && (!lang || x.lang === lang));
  return (
    <section class="card" id="sms-templates" aria-labelledby="templates-title">
      <h2 id="templates-title">{m.smsTemplates}</h2>
      <div class="log-filter">
        <div class="field">
          <label for="tpl-kind">{m.smsEvent}</label>
          <select id="tpl-kind" value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value)}>
            <option value="">{m.allEvents}</option>
            {kinds.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="tpl-lang">{m.segLang}</label>
          <select id="tpl-lang" value={lang} onChange={(e) => setLang((e.target as HTMLSelectElement).value)}>
            <option value="">{m.segAnyLang}</option>
            <option value="zh-CN">中文</option>
            <option value="en">English</option>
          </select>
        </div>
      </div>
      {error && (
        <p class="form-error" role="alert">
          {error(m)}
        </p>
      )}
      <ol class="template-list">
        {shown?.map((x) => <TemplateCard key={`${x.kind}-${x.lang}`} x={x} onSaved={replace} />)}
      </ol>
    </section>
  );
}

function TemplateCard({ x, onSaved }: { x: Template; onSaved: (v: Template) => void }) {
  const m = t.value;
  const [body, setBody] = useState(x.body);
  const [error, setError] = useState<Msg | null>(null);
  const [saved, setSaved] = useState<Msg | null>(null);
  const id = `tpl-${x.kind.replace(/\W/g, '-')}-${x.lang}`;
  useEffect(() => setBody(x.body), [x.body]);

  async function save(text: string) {
    setError(null);
    setSaved(null);
    try {
      const v = await smsApi.setTemplate(x.kind, x.lang, text);
      onSaved(v);
      setSaved(() => (text ? (m: Messages) => m.templateSaved : (m: Messages) => m.templateRestored));
    } catch (e) {
      if (lost(e)) return;
      if (e instanceof ApiError && e.status === 422) {
        const detail = e.detail;
        setError(() => (m: Messages) => m.templateRefused(detail));
      } else setError(() => describe(e));
    }
  }
  return (
    <li class="template-card" id={id} data-kind={x.kind} data-lang={x.lang}>
      <div class="ship-head">
        <strong class="mono">{x.kind}</strong>
        <span class="chip">{x.lang}</span>
        {x.builtin ? <span class="chip">{m.builtin}</span> : <span class="chip warn">{m.edited}</span>}
        <span class="segcount">{m.segmentCount(x.example_segments.segments, x.example_segments.encoding)}</span>
      </div>
      <div class="field">
        <label for={`${id}-body`}>{m.templateText}</label>
        <textarea
          id={`${id}-body`}
          rows={3}
          value={body}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={`${id}-help`}
          onInput={(e) => setBody((e.target as HTMLTextAreaElement).value)}
        />
        <p class="hint" id={`${id}-help`}>
          {m.placeholders(x.placeholders.map((p) => `{${p}}`).join(' '))}
        </p>
        {error && (
          <p class="field-error" role="alert">
            {error(m)}
          </p>
        )}
      </div>
      <p class="hint example">{m.templateExample(x.example)}</p>
      <div class="queue-tools">
        <button type="button" class="save" disabled={body.trim() === x.body} onClick={() => save(body.trim())}>
          {m.save}
        </button>
        {!x.builtin && (
          <button type="button" class="ghost restore" onClick={() => save('')}>
            {m.restoreBuiltin}
          </button>
        )}
        {saved && <span role="status">{saved(m)}</span>}
      </div>
    </li>
  );
}

function OptOuts() {
  const m = t.value;
  const [cursors, setCursors] = useState<string[]>(['']);
  const [list, setList] = useState<OptOut[] | null>(null);
  const [error, setError] = useState<Msg | null>(null);
  const cursor = cursors[cursors.length - 1];
  useEffect(() => {
    smsApi.optOuts(cursor).then(setList, (e) => !lost(e) && setError(() => describe(e)));
  }, [cursor]);
  return (
    <section class="card" id="sms-opt-outs" aria-labelledby="optouts-title">
      <h2 id="optouts-title">{m.smsOptOuts}</h2>
      {error && (
        <p class="form-error" role="alert">
          {error(m)}
        </p>
      )}
      {list && !list.length && <p>{m.noOptOuts}</p>}
      {list && list.length > 0 && (
        <table class="queue cards" id="opt-outs">
          <thead>
            <tr>
              <th scope="col">{m.smsTo}</th>
              <th scope="col">{m.optOutWord}</th>
              <th scope="col">{m.optedOutAt}</th>
            </tr>
          </thead>
          <tbody>
            {list.map((o) => (
              <tr key={o.phone}>
                <td data-label={m.smsTo} class="mono">
                  {o.phone}
                </td>
                <td data-label={m.optOutWord}>{o.keyword}</td>
                <td data-label={m.optedOutAt}>{dateTime(o.at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav class="pager" aria-label={m.smsOptOuts}>
        <button type="button" class="ghost" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
          {m.previousPage}
        </button>
        <button
          type="button"
          class="ghost"
          disabled={!list || list.length < 50}
          onClick={() => list && setCursors([...cursors, list[list.length - 1].phone])}
        >
          {m.nextPage}
        </button>
      </nav>
    </section>
  );
}
