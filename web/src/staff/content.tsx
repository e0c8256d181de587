import { useEffect, useState } from 'preact/hooks';
import { locale, t } from '../i18n';
import type { Messages } from '../i18n/en';
import { ApiError } from '../api';
import { describe, type Msg } from '../errors';
import { lost } from '../session';
import { base, navigate } from '../router';
import { companyZone } from '../format';
import {
  contentApi,
  isoToZoned,
  titleIn,
  zonedToISO,
  type ContentFilter,
  type ContentHistory,
  type ContentText,
  type Kind,
  type Picture,
} from '../content';
import { downloadCsv, ErrorLine, FieldError, usePaged } from './lists';

const kinds: Kind[] = ['product', 'news', 'page'];
const statuses = ['draft', 'scheduled', 'published', 'archived'] as const;

const zonedFormats = new Map<string, Intl.DateTimeFormat>();

// when is an instant as the company's wall clock, in the page's language.
function when(iso: string | undefined): string {
  if (!iso) return '—';
  const l = locale.value;
  let f = zonedFormats.get(l);
  if (!f) {
    f = new Intl.DateTimeFormat(l, { dateStyle: 'medium', timeStyle: 'short', timeZone: companyZone });
    zonedFormats.set(l, f);
  }
  return f.format(new Date(iso));
}

const go = (to: string) => (e: Event) => {
  e.preventDefault();
  navigate(to);
};

// ContentList is /staff/content: every item by kind and status, newest
// first, filtered, paged, exported.
export function ContentList() {
  const m = t.value;
  const [draft, setDraft] = useState<ContentFilter>({ kind: '', status: '', q: '' });
  const [filter, setFilter] = useState<ContentFilter>(draft);
  const { page, error, pager } = usePaged((cursor) => contentApi.list(filter, 50, cursor), [filter.kind, filter.status, filter.q]);
  const items = page?.items ?? [];
  const lang = locale.value;
  return (
    <main class="staff-page content-page">
      <section class="card" id="content-list" aria-labelledby="content-title">
        <div class="queue-head">
          <h1 id="content-title">{m.contentTitle}</h1>
          <div class="content-head-actions">
            <a class="button" href={`${base}content/new`} id="content-new" onClick={go(`${base}content/new`)}>
              {m.contentNew}
            </a>
            <button
              type="button"
              class="ghost"
              id="content-export"
              disabled={!items.length}
              onClick={() =>
                downloadCsv('content.csv', [
                  ['id', m.contentKind, m.hqStatus, 'title_zh', 'title_en', m.contentPublishAt, m.contentRevision],
                  ...items.map((c) => [c.id, c.kind, c.status, c.title_zh, c.title_en, c.publish_at ?? '', c.revision]),
                ])
              }
            >
              {m.exportCsv}
            </button>
          </div>
        </div>
        <form
          class="search-form content-filter"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            setFilter(draft);
          }}
        >
          <div class="field">
            <label for="content-filter-kind">{m.contentKind}</label>
            <select
              id="content-filter-kind"
              value={draft.kind}
              onChange={(e) => {
                const next = { ...draft, kind: e.currentTarget.value as ContentFilter['kind'] };
                setDraft(next);
                setFilter(next);
              }}
            >
              <option value="">{m.contentAll}</option>
              {kinds.map((k) => (
                <option key={k} value={k}>
                  {m.contentKindName(k)}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="content-filter-status">{m.hqStatus}</label>
            <select
              id="content-filter-status"
              value={draft.status}
              onChange={(e) => {
                const next = { ...draft, status: e.currentTarget.value as ContentFilter['status'] };
                setDraft(next);
                setFilter(next);
              }}
            >
              <option value="">{m.contentAll}</option>
              {statuses.map((s) => (
                <option key={s} value={s}>
                  {m.contentStatusName(s)}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="content-filter-q">{m.contentSearchTitle}</label>
            <input id="content-filter-q" type="search" value={draft.q} onInput={(e) => setDraft({ ...draft, q: e.currentTarget.value })} />
          </div>
          <button type="submit" id="content-filter-go">
            {m.contentFilter}
          </button>
        </form>
        <ErrorLine error={error} />
        {page && !items.length && <p>{m.contentNone}</p>}
        {items.length > 0 && (
          <table class="queue recent">
            <thead>
              <tr>
                <th scope="col">{m.contentItemTitle}</th>
                <th scope="col">{m.contentKind}</th>
                <th scope="col">{m.hqStatus}</th>
                <th scope="col">{m.contentPublishAt}</th>
                <th scope="col" class="num">
                  {m.contentRevision}
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((c) => (
                <tr key={c.id} data-content={c.id}>
                  <td data-label={m.contentItemTitle}>
                    <a href={`${base}content/${c.id}`} onClick={go(`${base}content/${c.id}`)} class="content-link">
                      {titleIn(c, lang) || '—'}
                    </a>
                  </td>
                  <td data-label={m.contentKind}>{m.contentKindName(c.kind)}</td>
                  <td data-label={m.hqStatus}>
                    <span class={`badge content-${c.status}`}>{m.contentStatusName(c.status)}</span>
                  </td>
                  <td data-label={m.contentPublishAt}>{c.status === 'draft' ? '—' : when(c.publish_at)}</td>
                  <td data-label={m.contentRevision} class="num">
                    {c.revision}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {pager(m.contentTitle, 'content')}
      </section>
    </main>
  );
}

type Field = keyof ContentText | 'slug' | 'sku' | 'when' | 'image';
type Form = ContentText & { kind: Kind; slug: string; sku: string };

const empty: Form = { kind: 'product', slug: '', sku: '', title_zh: '', title_en: '', summary_zh: '', summary_en: '', body_zh: '', body_en: '', image: '' };
const limits: [keyof ContentText, number][] = [
  ['title_zh', 200],
  ['title_en', 200],
  ['summary_zh', 500],
  ['summary_en', 500],
  ['body_zh', 100000],
  ['body_en', 100000],
];

// check finds what the API would refuse, to say it next to its field in
// the page's language before anything is sent.
function check(f: Form, isNew: boolean): Partial<Record<Field, Msg>> {
  const e: Partial<Record<Field, Msg>> = {};
  if (!f.title_zh.trim() && !f.title_en.trim()) {
    e.title_zh = e.title_en = (m) => m.contentTitleRequired;
  }
  if (f.title_zh.trim() && !f.summary_zh.trim() && !f.body_zh.trim()) e.body_zh = (m) => m.contentTextRequired;
  if (f.title_en.trim() && !f.summary_en.trim() && !f.body_en.trim()) e.body_en = (m) => m.contentTextRequired;
  for (const [k, max] of limits) {
    if ([...(f[k] ?? '')].length > max) e[k] = (m) => m.contentTooLong(max);
  }
  if (isNew && f.kind === 'page' && !/^[a-z0-9][a-z0-9-]{0,63}$/.test(f.slug)) e.slug = (m) => m.contentSlugInvalid;
  if (isNew && f.kind === 'product' && !f.sku.trim()) e.sku = (m) => m.contentSkuRequired;
  return e;
}

// refusal places an API refusal next to its field when it names one.
function refusal(e: unknown): [Field | '', Msg] {
  if (e instanceof ApiError) {
    const d = e.detail;
    if (e.status === 409 && /^slug/.test(d)) return ['slug', (m) => m.contentSlugTaken];
    if (/^sku/.test(d)) return ['sku', (m) => m.contentSkuUnknown];
    if (/^publish_at/.test(d)) return ['when', (m) => m.contentWhenPast];
    if (/^image/.test(d)) return ['image', (m) => m.contentImageMissing];
    if (e.status === 409 && /archived/.test(d)) return ['', (m) => m.contentArchived];
    if (e.status === 422) return ['', () => d];
  }
  return ['', describe(e)];
}

// ContentEditor is /staff/content/{id} (or /staff/content/new): the text
// in both languages, the image, and the item's life: schedule, publish,
// archive, with its revisions and events.
export function ContentEditor({ id }: { id: string }) {
  const m = t.value;
  const isNew = id === 'new';
  const [form, setForm] = useState<Form>(empty);
  const [saved, setSaved] = useState<Form>(empty);
  const [picture, setPicture] = useState<Picture | undefined>();
  const [history, setHistory] = useState<ContentHistory | null>(null);
  const [errors, setErrors] = useState<Partial<Record<Field, Msg>>>({});
  const [error, setError] = useState<Msg | null>(null);
  const [notice, setNotice] = useState<Msg | null>(null);
  const [at, setAt] = useState('');
  const [busy, setBusy] = useState(false);

  const load = async (n: number) => {
    const h = await contentApi.get(n);
    const it = h.item;
    const f: Form = {
      kind: it.kind,
      slug: it.slug ?? '',
      sku: it.sku ?? '',
      title_zh: it.title_zh,
      title_en: it.title_en,
      summary_zh: it.summary_zh,
      summary_en: it.summary_en,
      body_zh: it.body_zh,
      body_en: it.body_en,
      image: it.image ?? '',
    };
    setHistory(h);
    setForm(f);
    setSaved(f);
    setPicture(it.picture);
    if (it.status === 'scheduled' && it.publish_at) setAt(isoToZoned(it.publish_at, companyZone));
  };
  useEffect(() => {
    setErrors({});
    setError(null);
    setNotice(null);
    if (isNew) {
      setHistory(null);
      setForm(empty);
      setSaved(empty);
      setPicture(undefined);
      return;
    }
    load(+id).catch((e) => !lost(e) && setError(() => describe(e)));
  }, [id]);

  const set = (k: keyof Form, v: string) => {
    setForm({ ...form, [k]: v });
    if (errors[k as Field]) setErrors({ ...errors, [k]: undefined });
  };
  const dirty = (Object.keys(form) as (keyof Form)[]).some((k) => form[k] !== saved[k]);
  const item = history?.item;
  const archived = item?.status === 'archived';

  // save writes the form (a new item, or a revision when it changed) and
  // answers the item's id, or 0 when refused.
  const save = async (): Promise<number> => {
    const found = check(form, isNew);
    setErrors(found);
    if (Object.keys(found).length) return 0;
    const text: ContentText = {
      title_zh: form.title_zh,
      title_en: form.title_en,
      summary_zh: form.summary_zh,
      summary_en: form.summary_en,
      body_zh: form.body_zh,
      body_en: form.body_en,
      image: form.image || undefined,
    };
    if (isNew) {
      const it = await contentApi.create({
        ...text,
        kind: form.kind,
        slug: form.kind === 'page' ? form.slug : undefined,
        sku: form.kind === 'product' ? form.sku.trim() : undefined,
      });
      return it.id;
    }
    if (dirty) await contentApi.edit(+id, text);
    return +id;
  };

  const act = async (what: 'save' | 'schedule' | 'publish' | 'archive') => {
    setError(null);
    setNotice(null);
    let publishAt = '';
    if (what === 'schedule') {
      publishAt = at ? zonedToISO(at, companyZone) : '';
      if (!publishAt) {
        setErrors({ ...check(form, isNew), when: (m) => m.contentWhenRequired });
        return;
      }
    }
    setBusy(true);
    try {
      const n = what === 'archive' ? +id : await save();
      if (!n) return;
      if (what === 'schedule') await contentApi.schedule(n, publishAt);
      if (what === 'publish') await contentApi.publish(n);
      if (what === 'archive') await contentApi.archive(n);
      setNotice(() => (m: Messages) => m.contentDone(what));
      if (isNew) navigate(`${base}content/${n}`, true);
      else await load(n);
    } catch (e) {
      if (lost(e)) return;
      const [field, msg] = refusal(e);
      if (field) setErrors({ ...errors, [field]: msg });
      else setError(() => msg);
    } finally {
      setBusy(false);
    }
  };

  const upload = async (file: File | undefined) => {
    if (!file) return;
    setErrors({ ...errors, image: undefined });
    setBusy(true);
    try {
      const pic = await contentApi.upload(file);
      setPicture(pic);
      setForm({ ...form, image: pic.id });
    } catch (e) {
      if (lost(e)) return;
      const limit = e instanceof ApiError ? (e.detail.match(/at most (.+?) are taken/)?.[1] ?? '') : '';
      setErrors({
        ...errors,
        image: describe(e, {
          413: (m) => m.contentImageTooLarge(limit),
          415: (m) => m.contentImageNotImage,
        }),
      });
    } finally {
      setBusy(false);
    }
  };

  const text = (k: keyof ContentText, label: string, area = false) => {
    const err = errors[k];
    const props = {
      id: `content-${k}`,
      value: form[k] ?? '',
      disabled: archived,
      'aria-invalid': err ? ('true' as const) : undefined,
      'aria-describedby': err ? `content-${k}-error` : undefined,
      onInput: (e: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) => set(k, e.currentTarget.value),
    };
    return (
      <div class="field">
        <label for={`content-${k}`}>{label}</label>
        {area ? <textarea rows={k.startsWith('body') ? 8 : 3} {...props} /> : <input type="text" {...props} />}
        <FieldError id={`content-${k}-error`} error={err} m={m} />
      </div>
    );
  };

  return (
    <main class="staff-page content-page">
      <p>
        <a href={`${base}content`} onClick={go(`${base}content`)} id="content-back">
          ← {m.contentTitle}
        </a>
      </p>
      <section class="card" id="content-editor" aria-labelledby="content-editor-title">
        <div class="queue-head">
          <h1 id="content-editor-title">{isNew ? m.contentNew : titleIn(form, locale.value) || m.contentUntitled}</h1>
          {item && (
            <span class={`badge content-${item.status}`} id="content-status">
              {m.contentStatusName(item.status)}
              {item.status !== 'draft' && item.publish_at ? ` · ${when(item.publish_at)}` : ''}
            </span>
          )}
        </div>
        <ErrorLine error={error} id="content-error" />
        {notice && (
          <p class="notice" role="status" id="content-notice">
            {notice(m)}
          </p>
        )}
        <form
          class="content-form"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            act('save');
          }}
        >
          {isNew ? (
            <div class="content-row">
              <div class="field">
                <label for="content-kind">{m.contentKind}</label>
                <select id="content-kind" value={form.kind} onChange={(e) => set('kind', e.currentTarget.value)}>
                  {kinds.map((k) => (
                    <option key={k} value={k}>
                      {m.contentKindName(k)}
                    </option>
                  ))}
                </select>
              </div>
              {form.kind === 'product' && (
                <div class="field">
                  <label for="content-sku">{m.contentSku}</label>
                  <input
                    id="content-sku"
                    type="text"
                    value={form.sku}
                    aria-invalid={errors.sku ? 'true' : undefined}
                    aria-describedby={errors.sku ? 'content-sku-error' : undefined}
                    onInput={(e) => set('sku', e.currentTarget.value)}
                  />
                  <FieldError id="content-sku-error" error={errors.sku} m={m} />
                </div>
              )}
              {form.kind === 'page' && (
                <div class="field">
                  <label for="content-slug">{m.contentSlug}</label>
                  <input
                    id="content-slug"
                    type="text"
                    value={form.slug}
                    aria-invalid={errors.slug ? 'true' : undefined}
                    aria-describedby={errors.slug ? 'content-slug-error' : undefined}
                    onInput={(e) => set('slug', e.currentTarget.value)}
                  />
                  <FieldError id="content-slug-error" error={errors.slug} m={m} />
                </div>
              )}
            </div>
          ) : (
            <p class="muted" id="content-what">
              {m.contentKindName(form.kind)}
              {form.sku && ` · ${form.sku}`}
              {form.slug && ` · /${form.slug}`}
              {item && ` · ${m.contentRevision} ${item.revision}`}
            </p>
          )}
          <div class="content-langs">
            <fieldset>
              <legend>中文 (zh-CN)</legend>
              {text('title_zh', m.contentFieldTitle)}
              {text('summary_zh', m.contentFieldSummary, true)}
              {text('body_zh', m.contentFieldBody, true)}
            </fieldset>
            <fieldset lang="en">
              <legend>English (en)</legend>
              {text('title_en', m.contentFieldTitle)}
              {text('summary_en', m.contentFieldSummary, true)}
              {text('body_en', m.contentFieldBody, true)}
            </fieldset>
          </div>
          <div class="field content-image">
            <label for="content-image">{m.contentImage}</label>
            {picture && form.image && (
              <img src={picture.url} width={picture.width} height={picture.height} alt={m.contentImagePreview} id="content-image-preview" />
            )}
            <input
              id="content-image"
              type="file"
              accept="image/jpeg,image/png,image/gif,image/webp"
              disabled={archived || busy}
              aria-invalid={errors.image ? 'true' : undefined}
              aria-describedby={errors.image ? 'content-image-error' : 'content-image-hint'}
              onChange={(e) => upload(e.currentTarget.files?.[0])}
            />
            <p class="hint" id="content-image-hint">
              {m.contentImageHint}
            </p>
            {form.image && !archived && (
              <button type="button" class="ghost" id="content-image-remove" onClick={() => set('image', '')}>
                {m.contentImageRemove}
              </button>
            )}
            <FieldError id="content-image-error" error={errors.image} m={m} />
          </div>
          <div class="content-actions">
            <button type="submit" id="content-save" disabled={busy || archived || (!isNew && !dirty)}>
              {isNew ? m.contentCreate : m.contentSave}
            </button>
            <button type="button" id="content-publish" disabled={busy || archived} onClick={() => act('publish')}>
              {m.contentPublish}
            </button>
            {!isNew && (
              <button type="button" class="ghost" id="content-archive" disabled={busy || archived} onClick={() => act('archive')}>
                {m.contentArchive}
              </button>
            )}
          </div>
          <div class="content-schedule">
            <div class="field">
              <label for="content-when">{m.contentWhen(companyZone)}</label>
              <input
                id="content-when"
                type="datetime-local"
                value={at}
                disabled={archived || item?.status === 'published'}
                aria-invalid={errors.when ? 'true' : undefined}
                aria-describedby={errors.when ? 'content-when-error' : undefined}
                onInput={(e) => {
                  setAt(e.currentTarget.value);
                  setErrors({ ...errors, when: undefined });
                }}
              />
              <FieldError id="content-when-error" error={errors.when} m={m} />
            </div>
            <button
              type="button"
              id="content-schedule"
              disabled={busy || archived || item?.status === 'published'}
              onClick={() => act('schedule')}
            >
              {m.contentSchedule}
            </button>
          </div>
        </form>
      </section>
      {history && (
        <section class="card" id="content-history" aria-labelledby="content-history-title">
          <h2 id="content-history-title">{m.contentHistory}</h2>
          <h3>{m.contentEvents}</h3>
          {history.events.length === 0 ? (
            <p class="muted">{m.contentNoEvents}</p>
          ) : (
            <ol class="content-events">
              {history.events.map((e, i) => (
                <li key={i} data-event={e.status}>
                  <span class={`badge content-${e.status}`}>{m.contentStatusName(e.status)}</span> {m.contentRevision} {e.rev}
                  {e.status === 'scheduled' && e.publish_at ? ` → ${when(e.publish_at)}` : ''} · {e.by} · {when(e.at)}
                </li>
              ))}
            </ol>
          )}
          <h3>{m.contentRevisions}</h3>
          <ol class="content-revisions">
            {history.revisions.map((r, i) => (
              <li key={i} data-rev={i + 1}>
                <strong>
                  {m.contentRevision} {i + 1}
                </strong>{' '}
                {titleIn(r, locale.value)} <span class="muted">· {r.by} · {when(r.at)}</span>
              </li>
            ))}
          </ol>
        </section>
      )}
    </main>
  );
}
