import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, type Node, type Product, type Registered, type Registration } from './api';
import { cents, decimal, maxQty, newKey } from './cart';
import { describe, type Msg } from './errors';
import { money, number } from './format';
import { Panel, useLoad } from './load';
import { locale, t } from './i18n';
import type { Messages } from './i18n/en';
import { allProducts, PayButton, productName } from './orders';
import { lost } from './session';

// Register (报单) enters a new member into the signed-in member's team: the
// person, the sponsor, the placement (a free slot chosen on a picture of
// the placement tree, or a strategy) and the starter-kit order, in one
// request. The request's Idempotency-Key is made once per submission of
// the form as it stands and kept across retries of that same form, so a
// double click or a retry after no answer registers once.

type Field = 'name' | 'phone' | 'lang' | 'sponsor' | 'placement' | 'under' | 'kit';
type Errors = Partial<Record<Field | 'form', Msg>>;
type Slot = { parent: string; side: 'L' | 'R' };

const strategies = ['balanced', 'leftmost', 'rightmost', 'weak-leg'];

// The submission under way: its key and the request it was made for.
let attempt: { key: string; body: string } | null = null;

// normalPhone turns what was typed into E.164: a mainland mobile number
// (with or without 86 / +86) gets +86; an international number keeps its
// +. Anything else is undefined.
export function normalPhone(typed: string): string | undefined {
  const s = typed.replace(/[\s\-().]/g, '');
  const cn = s.match(/^(?:\+?86|0086)?(1[3-9]\d{9})$/);
  if (cn) return '+86' + cn[1];
  if (/^\+[1-9]\d{6,14}$/.test(s)) return s;
  if (/^00[1-9]\d{6,14}$/.test(s)) return '+' + s.slice(2);
  return undefined;
}

// fieldOf places an API refusal next to the field it names (the API's
// detail is in English; the page shows its own words for it).
function fieldOf(e: ApiError, sponsor: string): { field: Field | 'form'; msg: Msg } {
  const d = e.detail.toLowerCase();
  // A sponsor (or a placement) outside the team reads as not found.
  if (e.status === 404) return { field: 'sponsor', msg: notInTeam(sponsor) };
  if (e.status === 409) {
    if (/no free/.test(d)) return { field: 'placement', msg: (m) => m.regNoSlotBelow };
    if (/slot/.test(d)) return { field: 'placement', msg: (m) => m.regSlotTaken };
    if (/stock|units|available/.test(d)) return { field: 'kit', msg: (m) => m.regKitStock };
    return { field: 'form', msg: (m) => m.regRetry };
  }
  if (/placement|slot|side|downline|strategy/.test(d)) return { field: 'placement', msg: (m) => m.regPlacementRefused };
  if (/sponsor/.test(d)) return { field: 'sponsor', msg: notInTeam(sponsor) };
  if (/phone/.test(d)) return { field: 'phone', msg: (m) => m.regPhoneRefused };
  if (/language|lang/.test(d)) return { field: 'lang', msg: (m) => m.regLangRefused };
  if (/sku|product|line|qty|quantit|order/.test(d)) return { field: 'kit', msg: (m) => m.regKitRefused };
  if (/name/.test(d)) return { field: 'name', msg: (m) => m.regNameRefused };
  return { field: 'form', msg: describe(e) };
}

export function Register({ code }: { code: string }) {
  const m = t.value;
  const [name, setName] = useState('');
  const [phone, setPhone] = useState('');
  const [lang, setLang] = useState<string>(locale.value);
  const [sponsor, setSponsor] = useState(code);
  // The member the picture starts from: the sponsor, once it is known to
  // be in the team.
  const [treeRoot, setTreeRoot] = useState(code);
  const [mode, setMode] = useState<'picture' | 'auto'>('picture');
  const [slot, setSlot] = useState<Slot | null>(null);
  const [strategy, setStrategy] = useState('balanced');
  const [under, setUnder] = useState('');
  const [qty, setQty] = useState<Record<string, number>>({});
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<Registered | null>(null);
  // Counts the slots found taken: the picture is drawn again after each.
  const [taken, setTaken] = useState(0);
  const inFlight = useRef(false);
  const products = useLoad(allProducts, []);
  const byId = new Map((products.data ?? []).map((p) => [p.sku, p]));

  // A product the catalogue marks as a starter kit is offered chosen, once.
  useEffect(() => {
    const kit = (products.data ?? []).find((p) => p.starter_kit);
    if (kit) setQty((q) => (Object.keys(q).length ? q : { [kit.sku]: 1 }));
  }, [products.data]);

  const sponsorCode = sponsor.trim().toUpperCase() || code;

  function set(f: Field, v: Msg | undefined) {
    setErrors((e) => ({ ...e, [f]: v, form: undefined }));
  }

  // inTeam checks a member code the caller names: the API answers 404 for
  // a member outside the team, as for one that does not exist.
  async function inTeam(c: string): Promise<boolean> {
    try {
      await api.member(c);
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return false;
      throw e;
    }
  }

  function request(): Registration {
    const lines = Object.entries(qty)
      .filter(([, n]) => n > 0)
      .map(([sku, n]) => ({ sku, qty: n }));
    const r: Registration = { name: name.trim(), phone: normalPhone(phone) ?? phone.trim(), lang, sponsor: sponsorCode };
    if (mode === 'picture' && slot) {
      r.placement = slot.parent;
      r.side = slot.side;
    } else if (mode === 'auto') {
      r.auto = strategy;
      if (under.trim()) r.under = under.trim().toUpperCase();
    }
    if (lines.length) r.order = { lines };
    return r;
  }

  async function submit(ev: Event) {
    ev.preventDefault();
    if (inFlight.current) return; // a second click while the first is under way
    inFlight.current = true;
    setBusy(true);
    try {
      const errs: Errors = {};
      if (!name.trim()) errs.name = (mm) => mm.regNameRequired;
      if (!normalPhone(phone)) errs.phone = (mm) => mm.regPhoneInvalid;
      if (!sponsor.trim()) errs.sponsor = (mm) => mm.regSponsorRequired;
      if (mode === 'picture' && !slot) errs.placement = (mm) => mm.regSlotRequired;
      for (const [sku, n] of Object.entries(qty)) {
        if (!Number.isInteger(n) || n < 0 || n > maxQty) errs.kit = (mm) => mm.qtyInvalid(maxQty);
        else if (!byId.has(sku)) errs.kit = (mm) => mm.regKitRefused;
      }
      if (!errs.sponsor && sponsorCode !== code && !(await inTeam(sponsorCode))) {
        const c = sponsorCode;
        errs.sponsor = (mm) => mm.regNotInTeam(c);
      }
      const u = under.trim().toUpperCase();
      if (mode === 'auto' && u && u !== code && !(await inTeam(u))) errs.under = (mm) => mm.regNotInTeam(u);
      if (Object.keys(errs).length) {
        errs.form = (mm) => mm.regFixFields;
        setErrors(errs);
        return;
      }
      const r = request();
      const body = JSON.stringify(r);
      if (attempt?.body !== body) attempt = { key: newKey('register'), body };
      setErrors({});
      const out = await api.register(r, attempt.key);
      attempt = null;
      setDone(out);
    } catch (e) {
      if (lost(e)) return;
      if (e instanceof ApiError && e.status > 0 && e.status < 500 && e.status !== 503) {
        const { field, msg } = fieldOf(e, sponsorCode);
        // Refused: nothing was registered, and a corrected form is a new
        // submission. A conflict the page cannot place (the same key still
        // under way elsewhere) keeps the key for the retry.
        if (!(e.status === 409 && field === 'form')) attempt = null;
        setErrors({ [field]: msg, form: field === 'form' ? msg : (mm) => mm.regFixFields });
        if (e.status === 409 && field === 'placement') {
          setSlot(null);
          setTaken((n) => n + 1);
        }
      } else {
        // No answer, or the server failed: the same form retries under the same key.
        setErrors({ form: e instanceof ApiError && e.status >= 500 ? (mm) => mm.regRetry : describe(e) });
      }
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  }

  if (done) return <Done r={done} again={() => reset()} />;

  function reset() {
    setDone(null);
    setName('');
    setPhone('');
    setSlot(null);
    setErrors({});
  }

  const lines = Object.entries(qty).filter(([, n]) => n > 0);
  const totalCents = lines.reduce((s, [sku, n]) => s + cents(byId.get(sku)?.member_price ?? '0') * BigInt(n), 0n);
  const pvCents = lines.reduce((s, [sku, n]) => s + cents(byId.get(sku)?.pv ?? '0') * BigInt(n), 0n);

  return (
    <main class="register-page">
      <h1 class="page-title">{m.registerTitle}</h1>
      <form id="register" noValidate onSubmit={submit}>
        <section class="card">
          <h2>{m.regPerson}</h2>
          <TextField id="reg-name" label={m.regName} value={name} error={errors.name} onInput={(v) => (setName(v), set('name', undefined))} />
          <TextField
            id="reg-phone"
            label={m.regPhone}
            hint={m.regPhoneHint}
            tel
            value={phone}
            error={errors.phone}
            onInput={(v) => (setPhone(v), set('phone', undefined))}
            onBlur={() => {
              const n = normalPhone(phone);
              if (n) setPhone(n);
              else if (phone.trim()) set('phone', (mm) => mm.regPhoneInvalid);
            }}
          />
          <div class="field">
            <label for="reg-lang">{m.regLang}</label>
            <select id="reg-lang" value={lang} onChange={(e) => setLang((e.target as HTMLSelectElement).value)}>
              <option value="zh-CN">中文</option>
              <option value="en">English</option>
            </select>
            {errors.lang && <FieldError id="reg-lang-error" msg={errors.lang} />}
          </div>
          <TextField
            id="reg-sponsor"
            label={m.regSponsor}
            hint={m.regSponsorHint}
            value={sponsor}
            error={errors.sponsor}
            onInput={(v) => (setSponsor(v), set('sponsor', undefined))}
            onBlur={async () => {
              const c = sponsor.trim().toUpperCase();
              if (!c || c === treeRoot) return;
              if (c !== code && !(await inTeam(c).catch(() => false))) {
                set('sponsor', notInTeam(c));
                return;
              }
              setTreeRoot(c);
              setSlot(null);
            }}
          />
        </section>

        <section class="card" id="placement">
          <h2>{m.regPlacement}</h2>
          <fieldset class="modes">
            <legend class="sr-only">{m.regPlacement}</legend>
            <label>
              <input type="radio" name="mode" id="mode-picture" checked={mode === 'picture'} onChange={() => (setMode('picture'), set('placement', undefined))} />
              {m.regByPicture}
            </label>
            <label>
              <input type="radio" name="mode" id="mode-auto" checked={mode === 'auto'} onChange={() => (setMode('auto'), set('placement', undefined))} />
              {m.regByStrategy}
            </label>
          </fieldset>
          {mode === 'picture' ? (
            <SlotPicker
              root={treeRoot}
              chosen={slot}
              onChoose={(s) => {
                setSlot(s);
                set('placement', undefined);
              }}
              version={taken}
            />
          ) : (
            <div class="auto">
              <div class="field">
                <label for="reg-strategy">{m.regStrategy}</label>
                <select id="reg-strategy" value={strategy} onChange={(e) => setStrategy((e.target as HTMLSelectElement).value)}>
                  {strategies.map((s) => (
                    <option key={s} value={s}>
                      {m.strategies[s]}
                    </option>
                  ))}
                </select>
              </div>
              <TextField
                id="reg-under"
                label={m.regUnder}
                hint={m.regUnderHint}
                value={under}
                placeholder={sponsorCode}
                error={errors.under}
                onInput={(v) => (setUnder(v), set('under', undefined))}
              />
            </div>
          )}
          {errors.placement && <FieldError id="placement-error" msg={errors.placement} />}
        </section>

        <Panel title={m.regKit} load={products} id="kit">
          {(ps: Product[]) => (
            <div>
              <p class="hint">{m.regKitHint}</p>
              <ul class="kit-lines">
                {ps.map((p) => (
                  <li key={p.sku} data-sku={p.sku}>
                    <label for={`kit-${p.sku}`} class="product-name">
                      <strong>{productName(p, p.sku)}</strong>
                      <span class="sku">
{p.sku}</span>
                      {p.starter_kit && <span class="badge kit-badge">{m.regKit}</span>}
                    </label>
                    <span class="product-price">{money(p.member_price)}</span>
                    <span class="product-pv">
                      {number(p.pv, 2)} {m.pv}
                    </span>
                    <input
                      id={`kit-${p.sku}`}
                      class="qty"
                      type="number"
                      inputMode="numeric"
                      min={0}
                      max={maxQty}
                      step={1}
                      value={qty[p.sku] ?? 0}
                      aria-label={`${m.quantity} ${p.sku}`}
                      onInput={(e) => {
                        const v = (e.target as HTMLInputElement).value.trim();
                        setQty((q) => ({ ...q, [p.sku]: /^\d+$/.test(v) ? Number(v) : NaN }));
                        set('kit', undefined);
                      }}
                    />
                  </li>
                ))}
              </ul>
              {errors.kit && <FieldError id="kit-error" msg={errors.kit} />}
              <div class="summary-box" id="kit-summary" aria-live="polite">
                <h3>{m.regSummary}</h3>
                {lines.length === 0 ? (
                  <p class="empty">{m.regNoKit}</p>
                ) : (
                  <dl class="figures">
                    <div class="figure" data-figure="kit-total">
                      <dt>{m.total}</dt>
                      <dd>{money(decimal(totalCents))}</dd>
                    </div>
                    <div class="figure" data-figure="kit-pv">
                      <dt>{m.pv}</dt>
                      <dd>{number(decimal(pvCents), 2)}</dd>
                    </div>
                  </dl>
                )}
              </div>
            </div>
          )}
        </Panel>

        <button id="reg-submit" type="submit" disabled={busy}>
          {busy ? m.regSubmitting : m.regSubmit}
        </button>
        {errors.form && (
          <p class="form-error" id="reg-error" role="alert">
            {errors.form(m)}
          </p>
        )}
      </form>
    </main>
  );
}

function notInTeam(c: string): Msg {
  return (mm) => mm.regNotInTeam(c);
}

function FieldError({ id, msg }: { id: string; msg: Msg }) {
  return (
    <p class="field-error" id={id}>
      {msg(t.value)}
    </p>
  );
}

function TextField(p: {
  id: string;
  label: string;
  value: string;
  error?: Msg;
  hint?: string;
  tel?: boolean;
  placeholder?: string;
  onInput: (v: string) => void;
  onBlur?: () => void;
}) {
  const described = [p.hint ? `${p.id}-hint` : '', p.error ? `${p.id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div class="field">
      <label for={p.id}>{p.label}</label>
      <input
        id={p.id}
        type="text"
        inputMode={p.tel ? 'tel' : undefined}
        autoComplete={p.tel ? 'tel' : undefined}
        value={p.value}
        placeholder={p.placeholder}
        aria-invalid={!!p.error}
        aria-describedby={described || undefined}
        onInput={(e) => p.onInput((e.target as HTMLInputElement).value)}
        onBlur={p.onBlur}
      />
      {p.hint && (
        <p class="hint" id={`${p.id}-hint`}>
          {p.hint}
        </p>
      )}
      {p.error && <FieldError id={`${p.id}-error`} msg={p.error} />}
    </div>
  );
}

// The picture shows this many levels below its top member: fewer on a
// phone, where each level doubles the width.
function levels(): number {
  return window.matchMedia('(min-width: 720px)').matches ? 3 : 2;
}

interface TreeNode {
  code: string;
  name: string;
  depth: number;
  children: Partial<Record<'L' | 'R', TreeNode>>;
}

// SlotPicker draws the placement tree below a member, a few levels deep,
// with its free slots as buttons; a member at the bottom opens the tree
// below it. The same free slots are listed as radio buttons below.
function SlotPicker({
  root,
  chosen,
  onChoose,
  version,
}: {
  root: string;
  chosen: Slot | null;
  onChoose: (s: Slot) => void;
  version: number;
}) {
  const m = t.value;
  const [top, setTop] = useState(root);
  useEffect(() => setTop(root), [root]);
  const depth = levels();
  const tree = useLoad(async () => {
    const [head, page] = await Promise.all([api.member(top), api.placementDownline(top, depth)]);
    return build({ code: head.code, name: head.name }, page.items);
  }, [top, depth, version]);
  const slots: Slot[] = [];
  if (tree.data) collect(tree.data, depth, slots);
  const isChosen = (p: string, s: string) => chosen?.parent === p && chosen.side === s;

  function draw(n: TreeNode) {
    return (
      <div class="pnode">
        <span class="pmember" title={`${n.code} ${n.name}`}>
          {n.depth === depth && n.depth > 0 ? (
            <button type="button" class="link below" onClick={() => setTop(n.code)} aria-label={m.regShowBelow(n.code)}>
              <strong>{n.code}</strong>
              <span class="pname">{n.name}</span>
              <span aria-hidden="true">▾</span>
            </button>
          ) : (
            <>
              <strong>{n.code}</strong>
              <span class="pname">{n.name}</span>
            </>
          )}
        </span>
        {n.depth < depth && (
          <ul>
            {(['L', 'R'] as const).map((side) => {
              const c = n.children[side];
              return (
                <li key={side}>
                  {c ? (
                    draw(c)
                  ) : (
                    <button
                      type="button"
                      class="slot"
                      data-slot={`${n.code}-${side}`}
                      aria-pressed={isChosen(n.code, side)}
                      aria-label={m.regSlot(n.code, side)}
                      onClick={() => onChoose({ parent: n.code, side })}
                    >
                      {m.regSlotButton(side)}
                    </button>
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </div>
    );
  }

  return (
    <div class="picker">
      <div class="picker-head">
        <h3 id="tree-title">{m.regTreeOf(top)}</h3>
        {top !== root && (
          <button type="button" class="link" id="tree-up" onClick={() => setTop(root)}>
            {m.regTreeUp(root)}
          </button>
        )}
      </div>
      {!tree.done ? (
        <p class="loading">{m.loading}</p>
      ) : tree.error ? (
        <p class="form-error">{tree.error(m)}</p>
      ) : (
        <>
          <div class="ptree" role="group" aria-labelledby="tree-title">
            {draw(tree.data!)}
          </div>
          {chosen && (
            <p class="chosen" id="slot-chosen" role="status">
              {m.regSlotChosen(chosen.parent, chosen.side)}
            </p>
          )}
          <details class="slot-list">
            <summary>{m.regSlotList}</summary>
            {slots.length === 0 ? (
              <p class="empty">{m.regNoFreeSlot}</p>
            ) : (
              <ul>
                {slots.map((s) => (
                  <li key={`${s.parent}-${s.side}`}>
                    <label>
                      <input
                        type="radio"
                        name="slot"
                        value={`${s.parent}-${s.side}`}
                        checked={isChosen(s.parent, s.side)}
                        onChange={() => onChoose(s)}
                      />
                      {m.regSlot(s.parent, s.side)}
                    </label>
                  </li>
                ))}
              </ul>
            )}
          </details>
        </>
      )}
    </div>
  );
}

// build puts a downline page (breadth first, each node naming its parent
// and side) under its top member.
function build(head: { code: string; name: string }, items: Node[]): TreeNode {
  const top: TreeNode = { ...head, depth: 0, children: {} };
  const byCode = new Map<string, TreeNode>([[head.code, top]]);
  for (const n of [...items].sort((a, b) => a.depth - b.depth)) {
    const parent = n.parent ? byCode.get(n.parent) : undefined;
    if (!parent || (n.side !== 'L' && n.side !== 'R')) continue;
    const node: TreeNode = { code: n.code, name: n.name, depth: n.depth, children: {} };
    parent.children[n.side] = node;
    byCode.set(n.code, node);
  }
  return top;
}

// collect lists the free slots of the levels drawn, breadth first.
function collect(top: TreeNode, depth: number, out: Slot[]) {
  const queue = [top];
  while (queue.length) {
    const n = queue.shift()!;
    if (n.depth >= depth) continue;
    for (const side of ['L', 'R'] as const) {
      const c = n.children[side];
      if (c) queue.push(c);
      else out.push({ parent: n.code, side });
    }
  }
}

// Done is the registration's result: the new member's code and place, and
// its starter-kit order awaiting payment, with a pay-now action.
function Done({ r, again }: { r: Registered; again: () => void }) {
  const m = t.value;
  const [paid, setPaid] = useState<Msg | null>(null);
  const mem = r.member;
  return (
    <main class="register-page">
      <section class="card" id="registered" role="status">
        <h1>{m.regDone(mem.name, mem.code)}</h1>
        <dl class="figures">
          <div class="figure" data-figure="new-code">
            <dt>{m.memberCode}</dt>
            <dd>{mem.code}</dd>
          </div>
          <div class="figure" data-figure="sponsor">
            <dt>{m.sponsor}</dt>
            <dd>{mem.sponsor}</dd>
          </div>
          {mem.placement && (
            <div class="figure" data-figure="placed">
              <dt>{m.placement}</dt>
              <dd>{m.regPlaced(mem.placement, mem.side ?? '')}</dd>
            </div>
          )}
        </dl>
        {r.order && (
          <div class="order-result" data-order={r.order.no}>
            <p>{paid ? paid(m) : m.regOrderAwaiting(r.order.no)}</p>
            <p>
              {m.total} <strong>{money(r.order.total)}</strong> · {number(r.order.pv, 2)} {m.pv}
            </p>
            {!paid && r.order.status === 'placed' && (
              <PayButton o={r.order} onPaid={(n) => setPaid(() => n ?? ((mm: Messages) => mm.paid(r.order!.no)))} />
            )}
          </div>
        )}
        <button type="button" class="link" id="reg-again" onClick={again}>
          {m.regAnother}
        </button>
      </section>
    </main>
  );
}
