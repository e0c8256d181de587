import { useEffect, useRef, useState } from 'preact/hooks';
import { locale, t } from '../i18n';
import type { Messages } from '../i18n/en';
import { dateTime, money, number } from '../format';
import { ApiError } from '../api';
import { describe, type Msg } from '../errors';
import { lost } from '../session';
import { base, navigate } from '../router';
import { cents } from '../cart';
import { downloadCsv, ErrorLine, FieldError, today, usePaged } from './lists';
import { contentApi } from '../content';
import { goodsApi, imageSrc, noExpiry, type CatalogueLot, type CatalogueProduct, type ProductFields, type Revision } from './goodsapi';

// The catalogue editor (admin): every product with its names in zh-CN and
// en, prices, PV and BV, status, lots and images. An edit is a new revision
// of the product; orders keep the prices they were placed at.

const catalogueBase = () => `${base}catalogue`;
const nameOf = (p: { name_zh: string; name_en: string }) => (locale.value === 'zh-CN' ? p.name_zh : p.name_en);

type SortKey = 'sku' | 'name' | 'member_price' | 'pv';

export function Catalogue() {
  const m = t.value;
  const [q, setQ] = useState('');
  const [status, setStatus] = useState('');
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'sku', desc: false });
  const [adding, setAdding] = useState(false);
  const list = usePaged((cursor) => goodsApi.products(50, cursor), []);
  const needle = q.trim().toLowerCase();
  const rows = (list.page?.items ?? [])
    .filter((p) => !status || p.status === status)
    .filter((p) => !needle || [p.sku, p.name_zh, p.name_en].some((s) => s.toLowerCase().includes(needle)))
    .sort((a, b) => {
      const k = sort.key;
      const c =
        k === 'sku'
          ? a.sku.localeCompare(b.sku)
          : k === 'name'
            ? nameOf(a).localeCompare(nameOf(b), locale.value)
            : Number(cents(a[k]) - cents(b[k]));
      return sort.desc ? -c : c;
    });
  const head = (key: SortKey, label: string, num = false) => (
    <th scope="col" class={num ? 'num' : undefined} aria-sort={sort.key === key ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
      <button type="button" class="sort" id={`cg-sort-${key}`} onClick={() => setSort({ key, desc: sort.key === key && !sort.desc })}>
        {label}
        {sort.key === key ? (sort.desc ? ' ▼' : ' ▲') : ''}
      </button>
    </th>
  );
  return (
    <main class="staff-page">
      <section class="card" aria-labelledby="cg-title">
        <div class="queue-head">
          <h1 id="cg-title">{m.cgTitle}</h1>
          <div class="queue-tools">
            <button type="button" id="cg-new" aria-expanded={adding} onClick={() => setAdding(!adding)}>
              {m.cgNew}
            </button>
            <button
              type="button"
              class="ghost"
              id="cg-csv"
              onClick={() =>
                downloadCsv('catalogue.csv', [
                  ['sku', 'name_zh', 'name_en', 'retail_price', 'member_price', 'pv', 'bv', 'status', 'starter_kit', 'revision'],
                  ...rows.map((p) => [p.sku, p.name_zh, p.name_en, p.retail_price, p.member_price, p.pv, p.bv, p.status, String(p.starter_kit), p.revision]),
                ])
              }
            >
              {m.exportCsv}
            </button>
          </div>
        </div>
        {adding && <ProductForm onSaved={(p) => navigate(`${catalogueBase()}/${encodeURIComponent(p.sku)}`)} />}
        <div class="cg-filters">
          <div class="field">
            <label for="cg-q">{m.cgFilter}</label>
            <input id="cg-q" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
          </div>
          <div class="field">
            <label for="cg-status">{m.cgStatus}</label>
            <select id="cg-status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
              <option value="">{m.cgAllStatuses}</option>
              {(['active', 'draft', 'discontinued'] as const).map((s) => (
                <option key={s} value={s}>
                  {m.cgStatusName[s]}
                </option>
              ))}
            </select>
          </div>
        </div>
        <ErrorLine error={list.error} />
        {list.page && !rows.length && <p class="empty">{m.cgNone}</p>}
        {rows.length > 0 && (
          <table class="queue recent" id="cg-list">
            <thead>
              <tr>
                {head('sku', m.cgSku)}
                {head('name', m.cgName)}
                {head('member_price', m.cgMemberPrice, true)}
                {head('pv', m.cgPV, true)}
                <th scope="col">{m.cgStatus}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((p) => (
                <tr key={p.sku} data-sku={p.sku}>
                  <td data-label={m.cgSku}>
                    <a
                      class="mono"
                      href={`${catalogueBase()}/${encodeURIComponent(p.sku)}`}
                      onClick={(e) => {
                        e.preventDefault();
                        navigate(`${catalogueBase()}/${encodeURIComponent(p.sku)}`);
                      }}
                    >
                      {p.sku}
                    </a>
                  </td>
                  <td data-label={m.cgName}>
                    {nameOf(p)}
                    {p.starter_kit && <span class="chip"> {m.cgStarterKit}</span>}
                  </td>
                  <td data-label={m.cgMemberPrice} class="num">
                    {money(p.member_price)}
                  </td>
                  <td data-label={m.cgPV} class="num">
                    {number(p.pv)}
                  </td>
                  <td data-label={m.cgStatus}>
                    <span class={`chip${p.status === 'active' ? '' : ' warn'}`}>{m.cgStatusName[p.status as 'active'] ?? p.status}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {list.pager(m.cgTitle, 'cg')}
      </section>
    </main>
  );
}

// Fields of the form, all as typed.
type Draft = Omit<ProductFields, 'images'> & { images: string; sku: string; status: string; launch_date: string };
type FieldName = keyof Draft;
type Errors = Partial<Record<FieldName, Msg>>;

const amountRE = /^\d{1,15}(\.\d{1,2})?$/;
const moneyFields = ['retail_price', 'member_price', 'agency_price', 'unit_cost', 'pv', 'bv'] as const;

function draftOf(p?: CatalogueProduct): Draft {
  return {
    sku: p?.sku ?? '',
    status: p?.status ?? 'active',
    launch_date: '',
    name_zh: p?.name_zh ?? '',
    name_en: p?.name_en ?? '',
    description_zh: p?.description_zh ?? '',
    description_en: p?.description_en ?? '',
    images: (p?.images ?? []).join('\n'),
    retail_price: p?.retail_price ?? '',
    member_price: p?.member_price ?? '',
    agency_price: p?.agency_price ?? '',
    unit_cost: p?.unit_cost ?? '0',
    pv: p?.pv ?? '',
    bv: p?.bv ?? '',
    starter_kit: p?.starter_kit ?? false,
  };
}

// check finds every problem of d, field by field, in the words of the
// catalogue; the API checks the same and more.
function check(d: Draft, creating: boolean): Errors {
  const e: Errors = {};
  if (creating && !/^[A-Z0-9][A-Z0-9-]{1,31}$/.test(d.sku.trim())) e.sku = (m) => m.cgSkuInvalid;
  if (!d.name_zh.trim()) e.name_zh = (m) => m.cgNameZhRequired;
  if (!d.name_en.trim()) e.name_en = (m) => m.cgNameEnRequired;
  for (const f of moneyFields) {
    const v = d[f].trim();
    if (f === 'agency_price' && !v) continue;
    if (!amountRE.test(v)) e[f] = (m) => (f === 'pv' || f === 'bv' ? m.cgVolumeInvalid : m.cgAmountInvalid);
  }
  if (!e.retail_price && !e.member_price && cents(d.member_price.trim()) > cents(d.retail_price.trim()))
    e.member_price = (m) => m.cgMemberAboveRetail;
  const imgs = d.images.split('\n').map((s) => s.trim()).filter(Boolean);
  const bad = imgs.find((s) => /[\s"'<>]/.test(s) || (!s.startsWith('/') && !s.startsWith('https://') && s.includes(':')));
  if (bad) e.images = (m) => m.cgImageInvalid(bad);
  else if (new Set(imgs).size !== imgs.length) e.images = (m) => m.cgImageTwice;
  else if (imgs.length > 12) e.images = (m) => m.cgImagesTooMany;
  if (creating && d.launch_date && !/^\d{4}-\d{2}-\d{2}$/.test(d.launch_date)) e.launch_date = (m) => m.cgDateInvalid;
  return e;
}

function fieldsOf(d: Draft): ProductFields {
  return {
    name_zh: d.name_zh.trim(),
    name_en: d.name_en.trim(),
    description_zh: d.description_zh.trim(),
    description_en: d.description_en.trim(),
    images: d.images.split('\n').map((s) => s.trim()).filter(Boolean),
    retail_price: d.retail_price.trim(),
    member_price: d.member_price.trim(),
    agency_price: d.agency_price.trim() || d.member_price.trim(),
    unit_cost: d.unit_cost.trim() || '0',
    pv: d.pv.trim(),
    bv: d.bv.trim(),
    starter_kit: d.starter_kit,
  };
}

// serverField names the field a 422 of the API is about: the edit route
// starts its detail with the field's name.
function serverField(e: unknown): FieldName | null {
  if (!(e instanceof ApiError) || e.status !== 422) return null;
  const f = e.detail.split(':')[0].trim();
  return f in draftOf() ? (f as FieldName) : null;
}

// ProductForm adds a product (no product given) or edits one: a new revision.
function ProductForm({ product, onSaved }: { product?: CatalogueProduct; onSaved: (p: CatalogueProduct) => void }) {
  const m = t.value;
  const creating = !product;
  const [d, setD] = useState<Draft>(() => draftOf(product));
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<Msg | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  // A new revision (saved here or read again) refills the form; the first
  // render has it already, and what is typed before the effects run stays.
  const shownRevision = useRef(product?.revision);
  useEffect(() => {
    if (product && product.revision !== shownRevision.current) {
      shownRevision.current = product.revision;
      setD(draftOf(product));
    }
  }, [product?.revision]);
  const set = (f: FieldName, v: string | boolean) => {
    setD((prev) => ({ ...prev, [f]: v }));
    setErrors((prev) => ({ ...prev, [f]: undefined }));
    setSaved(false);
  };
  const prefix = creating ? 'cg-new' : 'cg-edit';

  // upload puts a picture into the media store and adds its address to the list.
  async function upload(file: File | undefined) {
    if (!file) return;
    setErrors((prev) => ({ ...prev, images: undefined }));
    setBusy(true);
    try {
      const pic = await contentApi.upload(file);
      setD((prev) => ({ ...prev, images: prev.images.trim() ? `${prev.images.trim()}\n${pic.url}` : pic.url }));
      setSaved(false);
    } catch (e) {
      if (lost(e)) return;
      const limit = e instanceof ApiError ? (e.detail.match(/at most (.+?) are taken/)?.[1] ?? '') : '';
      setErrors((prev) => ({
        ...prev,
        images: describe(e, { 413: (m) => m.contentImageTooLarge(limit), 415: (m) => m.contentImageNotImage }),
      }));
    } finally {
      setBusy(false);
    }
  }

  async function submit(ev: Event) {
    ev.preventDefault();
    setFailure(null);
    setSaved(false);
    const errs = check(d, creating);
    setErrors(errs);
    const first = Object.keys(errs)[0];
    if (first) {
      (document.getElementById(`${prefix}-${first}`) as HTMLElement | null)?.focus();
      return;
    }
    setBusy(true);
    try {
      const p = creating
        ? await goodsApi.create({ ...fieldsOf(d), sku: d.sku.trim(), status: d.status, ...(d.launch_date ? { launch_date: d.launch_date } : {}) })
        : await goodsApi.edit(product.sku, product.revision, fieldsOf(d));
      setSaved(true);
      onSaved(p);
    } catch (e) {
      if (lost(e)) return;
      const f = serverField(e);
      if (f) setErrors({ [f]: (m: Messages) => m.cgFieldRefused });
      else setFailure(() => describe(e, { 409: (m) => (creating ? m.cgSkuTaken : m.cgStale), 422: (m) => m.cgRefused }));
    } finally {
      setBusy(false);
    }
  }

  const input = (f: FieldName, label: string, opts: { type?: 'text' | 'date'; mode?: 'decimal'; hint?: string } = {}) => (
    <div class="field">
      <label for={`${prefix}-${f}`}>{label}</label>
      <input
        id={`${prefix}-${f}`}
        type={(opts.type ?? 'text') as 'text'}
        inputMode={opts.mode}
        value={d[f] as string}
        autocomplete="off"
        aria-invalid={errors[f] ? 'true' : undefined}
        aria-describedby={errors[f] ? `${prefix}-${f}-error` : undefined}
        onInput={(e) => set(f, e.currentTarget.value)}
      />
      {opts.hint && <p class="hint">{opts.hint}</p>}
      <FieldError id={`${prefix}-${f}-error`} error={errors[f]} m={m} />
    </div>
  );
  const text = (f: 'description_zh' | 'description_en' | 'images', label: string, hint?: string) => (
    <div class="field">
      <label for={`${prefix}-${f}`}>{label}</label>
      <textarea
        id={`${prefix}-${f}`}
        rows={3}
        value={d[f]}
        aria-invalid={errors[f] ? 'true' : undefined}
        aria-describedby={errors[f] ? `${prefix}-${f}-error` : undefined}
        onInput={(e) => set(f, e.currentTarget.value)}
      />
      {hint && <p class="hint">{hint}</p>}
      <FieldError id={`${prefix}-${f}-error`} error={errors[f]} m={m} />
    </div>
  );
  const images = d.images.split('\n').map((s) => s.trim()).filter(Boolean);
  return (
    <form class="cg-form" id={`${prefix}-form`} onSubmit={submit} noValidate>
      {creating && (
        <fieldset class="cg-group">
          <legend>{m.cgIdentity}</legend>
          {input('sku', m.cgSku, { hint: m.cgSkuHint })}
          <div class="field">
            <label for={`${prefix}-status`}>{m.cgStatus}</label>
            <select id={`${prefix}-status`} value={d.status} onChange={(e) => set('status', e.currentTarget.value)}>
              {(['active', 'draft'] as const).map((s) => (
                <option key={s} value={s}>
                  {m.cgStatusName[s]}
                </option>
              ))}
            </select>
          </div>
          {input('launch_date', m.cgLaunchDate, { type: 'date' })}
        </fieldset>
      )}
      <fieldset class="cg-group">
        <legend>{m.cgTexts}</legend>
        {input('name_zh', m.cgNameZh)}
        {input('name_en', m.cgNameEn)}
        {text('description_zh', m.cgDescriptionZh)}
        {text('description_en', m.cgDescriptionEn)}
      </fieldset>
      <fieldset class="cg-group">
        <legend>{m.cgPrices}</legend>
        {input('retail_price', m.cgRetailPrice, { mode: 'decimal' })}
        {input('member_price', m.cgMemberPrice, { mode: 'decimal' })}
        {input('agency_price', m.cgAgencyPrice, { mode: 'decimal', hint: m.cgAgencyPriceHint })}
        {input('unit_cost', m.cgUnitCost, { mode: 'decimal' })}
        {input('pv', m.cgPV, { mode: 'decimal' })}
        {input('bv', m.cgBV, { mode: 'decimal' })}
        <label class="check">
          <input type="checkbox" id={`${prefix}-starter_kit`} checked={d.starter_kit} onChange={(e) => set('starter_kit', e.currentTarget.checked)} />{' '}
          {m.cgStarterKit}
        </label>
      </fieldset>
      <fieldset class="cg-group">
        <legend>{m.cgImages}</legend>
        {text('images', m.cgImageList, m.cgImagesHint)}
        <div class="field">
          <label for={`${prefix}-upload`}>{m.cgUpload}</label>
          <input
            id={`${prefix}-upload`}
            type="file"
            accept="image/jpeg,image/png,image/gif,image/webp"
            disabled={busy}
            onChange={(e) => {
              upload(e.currentTarget.files?.[0]);
              e.currentTarget.value = '';
            }}
          />
        </div>
        {images.length > 0 && !errors.images && (
          <ul class="cg-thumbs" aria-label={m.cgImages}>
            {images.map((im) => (
              <li key={im}>
                <img src={imageSrc(im)} alt={m.cgImageOf(nameOf({ name_zh: d.name_zh, name_en: d.name_en }))} loading="lazy" />
              </li>
            ))}
          </ul>
        )}
      </fieldset>
      <div class="cg-actions">
        <button type="submit" id={`${prefix}-save`} disabled={busy}>
          {creating ? m.cgCreate : m.cgSave}
        </button>
        {!creating && <p class="hint">{m.cgRevisionNote(product.revision)}</p>}
        {saved && (
          <p class="result" role="status" id={`${prefix}-saved`}>
            {m.cgSaved}
          </p>
        )}
      </div>
      <ErrorLine error={failure} id={`${prefix}-error`} />
    </form>
  );
}

// ProductPage is one product: its editor, status, lots and history.
export function ProductPage({ sku }: { sku: string }) {
  const m = t.value;
  const [p, setP] = useState<CatalogueProduct | null>(null);
  const [error, setError] = useState<Msg | null>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    setError(null);
    goodsApi.product(sku).then(setP, (e) => !lost(e) && setError(() => describe(e)));
  }, [sku, version]);
  const changed = (np: CatalogueProduct) => {
    setP(np);
    setVersion((v) => v + 1);
  };
  return (
    <main class="staff-page">
      <p>
        <a
          href={catalogueBase()}
          id="cg-back"
          onClick={(e) => {
            e.preventDefault();
            navigate(catalogueBase());
          }}
        >
          ← {m.cgTitle}
        </a>
      </p>
      <ErrorLine error={error} />
      {p && (
        <>
          <section class="card" aria-labelledby="cg-product-title">
            <div class="queue-head">
              <h1 id="cg-product-title">
                <span class="mono">{p.sku}</span> {nameOf(p)}
              </h1>
              <StatusControl p={p} onDone={changed} />
            </div>
            <ProductForm product={p} onSaved={changed} />
          </section>
          <Lots sku={p.sku} />
          <History sku={p.sku} version={version} />
        </>
      )}
    </main>
  );
}

function StatusControl({ p, onDone }: { p: CatalogueProduct; onDone: (p: CatalogueProduct) => void }) {
  const m = t.value;
  const [error, setError] = useState<Msg | null>(null);
  const [busy, setBusy] = useState(false);
  async function change(status: string) {
    setError(null);
    setBusy(true);
    try {
      onDone(await goodsApi.setStatus(p.sku, status));
    } catch (e) {
      if (!lost(e)) setError(() => describe(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <div class="queue-tools cg-status">
      <span class={`chip${p.status === 'active' ? '' : ' warn'}`} id="cg-status-now">
        {m.cgStatusName[p.status as 'active'] ?? p.status}
      </span>
      {p.status !== 'active' && (
        <button type="button" class="ghost" id="cg-activate" disabled={busy} onClick={() => change('active')}>
          {m.cgActivate}
        </button>
      )}
      {p.status !== 'discontinued' && (
        <button type="button" class="ghost" id="cg-discontinue" disabled={busy} onClick={() => change('discontinued')}>
          {m.cgDiscontinue}
        </button>
      )}
      <ErrorLine error={error} />
    </div>
  );
}

function Lots({ sku }: { sku: string }) {
  const m = t.value;
  const [lots, setLots] = useState<CatalogueLot[] | null>(null);
  const [error, setError] = useState<Msg | null>(null);
  const [tick, setTick] = useState(0);
  const [lot, setLot] = useState({ batch: '', produced_on: '', expires_on: '' });
  const [errors, setErrors] = useState<{ batch?: Msg; produced_on?: Msg; expires_on?: Msg }>({});
  const [failure, setFailure] = useState<Msg | null>(null);
  const [added, setAdded] = useState('');
  useEffect(() => {
    goodsApi.lots(sku).then(setLots, (e) => !lost(e) && setError(() => describe(e)));
  }, [sku, tick]);
  async function add(ev: Event) {
    ev.preventDefault();
    setFailure(null);
    setAdded('');
    const errs: typeof errors = {};
    if (!lot.batch.trim()) errs.batch = (m) => m.hqBatchRequired;
    if (!lot.produced_on) errs.produced_on = (m) => m.hqDateRequired;
    else if (lot.produced_on > today()) errs.produced_on = (m) => m.hqProducedFuture;
    if (lot.expires_on && lot.produced_on && lot.expires_on <= lot.produced_on) errs.expires_on = (m) => m.hqExpiresBeforeProduced;
    setErrors(errs);
    if (Object.keys(errs).length) return;
    try {
      const l = await goodsApi.addLot(sku, {
        batch: lot.batch.trim(),
        produced_on: lot.produced_on,
        ...(lot.expires_on ? { expires_on: lot.expires_on } : {}),
      });
      setAdded(l.batch);
      setLot({ batch: '', produced_on: '', expires_on: '' });
      setTick(tick + 1);
    } catch (e) {
      if (!lost(e)) setFailure(() => describe(e, { 409: (m) => m.cgBatchTaken }));
    }
  }
  const field = (f: 'batch' | 'produced_on' | 'expires_on', label: string, type: 'text' | 'date' = 'text') => (
    <div class="field">
      <label for={`cg-lot-${f}`}>{label}</label>
      <input
        id={`cg-lot-${f}`}
        type={type as 'text'}
        value={lot[f]}
        aria-invalid={errors[f] ? 'true' : undefined}
        aria-describedby={errors[f] ? `cg-lot-${f}-error` : undefined}
        onInput={(e) => {
          const v = e.currentTarget.value;
          setLot((prev) => ({ ...prev, [f]: v }));
          setErrors((prev) => ({ ...prev, [f]: undefined }));
        }}
      />
      <FieldError id={`cg-lot-${f}-error`} error={errors[f]} m={m} />
    </div>
  );
  return (
    <section class="card" aria-labelledby="cg-lots-title">
      <h2 id="cg-lots-title">{m.cgLots}</h2>
      <ErrorLine error={error} />
      {lots && !lots.length && <p class="empty">{m.cgNoLots}</p>}
      {lots && lots.length > 0 && (
        <table class="queue recent" id="cg-lots">
          <thead>
            <tr>
              <th scope="col">{m.lotBatch}</th>
              <th scope="col">{m.hqProducedOn}</th>
              <th scope="col">{m.cgExpiresOn}</th>
            </tr>
          </thead>
          <tbody>
            {lots.map((l) => (
              <tr key={l.id} data-batch={l.batch}>
                <td data-label={m.lotBatch} class="mono">
                  {l.batch}
                </td>
                <td data-label={m.hqProducedOn}>{utcDate(l.produced_on)}</td>
                <td data-label={m.cgExpiresOn}>{noExpiry(l.expires_on) ? m.cgNoExpiry : utcDate(l.expires_on)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form class="ship-form" id="cg-lot-form" onSubmit={add} noValidate>
        {field('batch', m.lotBatch)}
        {field('produced_on', m.hqProducedOn, 'date')}
        {field('expires_on', m.hqExpiresOptional, 'date')}
        <button type="submit" id="cg-lot-add">
          {m.cgAddLot}
        </button>
      </form>
      {added && (
        <p class="result" role="status" id="cg-lot-added">
          {m.cgLotAdded(added)}
        </p>
      )}
      <ErrorLine error={failure} />
    </section>
  );
}

// utcDate shows a calendar date the API sends as midnight UTC.
export function utcDate(d: string): string {
  return new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(d));
}

function History({ sku, version }: { sku: string; version: number }) {
  const m = t.value;
  const [revs, setRevs] = useState<Revision[] | null>(null);
  const [error, setError] = useState<Msg | null>(null);
  useEffect(() => {
    goodsApi.revisions(sku).then(setRevs, (e) => !lost(e) && setError(() => describe(e)));
  }, [sku, version]);
  return (
    <section class="card" aria-labelledby="cg-history-title">
      <h2 id="cg-history-title">{m.cgHistory}</h2>
      <p class="hint">{m.cgHistoryHint}</p>
      <ErrorLine error={error} />
      {revs && (
        <table class="queue recent" id="cg-history">
          <thead>
            <tr>
              <th scope="col">{m.cgRevision}</th>
              <th scope="col" class="num">
                {m.cgRetailPrice}
              </th>
              <th scope="col" class="num">
                {m.cgMemberPrice}
              </th>
              <th scope="col" class="num">
                {m.cgPV}
              </th>
              <th scope="col" class="num">
                {m.cgBV}
              </th>
              <th scope="col">{m.cgInForce}</th>
            </tr>
          </thead>
          <tbody>
            {revs.map((r) => (
              <tr key={r.revision} data-revision={r.revision}>
                <td data-label={m.cgRevision}>{number(r.revision)}</td>
                <td data-label={m.cgRetailPrice} class="num">
                  {money(r.retail_price)}
                </td>
                <td data-label={m.cgMemberPrice} class="num">
                  {money(r.member_price)}
                </td>
                <td data-label={m.cgPV} class="num">
                  {number(r.pv)}
                </td>
                <td data-label={m.cgBV} class="num">
                  {number(r.bv)}
                </td>
                <td data-label={m.cgInForce}>
                  {r.written_at ? m.cgFromBy(dateTime(r.written_at), r.written_by ?? '') : m.cgSinceCreation}
                  {' → '}
                  {r.replaced_at ? m.cgUntilBy(dateTime(r.replaced_at), r.replaced_by ?? '') : m.cgNow}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
