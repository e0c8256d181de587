import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiError, type ChildrenPage, type ExplorerNode, type ExplorerPage, type TreeKind } from '../api';
import { describe, type Msg } from '../errors';
import { date, number } from '../format';
import { locale, t as messages } from '../i18n';
import type { Messages } from '../i18n/en';
import { NotFound } from '../notfound';
import { base, navigate, query } from '../router';
import { lost } from '../session';
import { rankColour, type Look } from './draw';
import { csv, download, png } from './export';
import { TreeList } from './list';
import { Model, nodeH, type TNode } from './model';
import { Stage } from './stage';

// The genealogy explorer: a member's sponsor or placement tree from any
// member of their team down, one level per expand, drawn on a canvas with
// an accessible list of the same nodes beside it.

// Measurement hooks for the benchmarks: when the root was first painted,
// how long the last expand took to paint, how many nodes are laid out and
// drawn.
interface Probe {
  rootPaintAt: number; // performance.now() of the root's first paint
  rootMs: number; // from asking for the root to its paint
  expandAt: number;
  expandMs: number; // from the last expand's tap to its paint
  visible: () => number;
  drawn: () => number;
  at: (code: string) => { x: number; y: number } | null; // a node's centre in client pixels
  grow: (n: number) => Promise<number>; // expands breadth first until n nodes show; answers how many do
}
declare global {
  interface Window {
    __explorer?: Probe;
  }
}

const canvasWorks = (() => {
  try {
    return !!document.createElement('canvas').getContext('2d');
  } catch {
    return false;
  }
})();

// The current period as the server answered it when asked for none.
let currentPeriod = '';

// The formatters of the period menu, made once (per locale): making one
// costs about a millisecond, and the page renders on every expand.
let shanghaiParts: Intl.DateTimeFormat | undefined;
const monthFormats = new Map<string, Intl.DateTimeFormat>();

function shanghaiMonth(): string {
  shanghaiParts ??= new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' });
  const parts = shanghaiParts.formatToParts(new Date());
  const get = (k: string) => parts.find((p) => p.type === k)?.value ?? '';
  return `${get('year')}-${get('month')}`;
}

// periods is the current month and the eleven before it, newest first.
function periods(current: string): string[] {
  const [y, mo] = current.split('-').map(Number);
  const out: string[] = [];
  for (let i = 0; i < 12; i++) {
    const d = new Date(Date.UTC(y, mo - 1 - i, 1));
    out.push(`${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`);
  }
  return out;
}

function monthLabel(p: string): string {
  const [y, mo] = p.split('-').map(Number);
  let f = monthFormats.get(locale.value);
  if (!f) {
    f = new Intl.DateTimeFormat(locale.value, { year: 'numeric', month: 'long', timeZone: 'UTC' });
    monthFormats.set(locale.value, f);
  }
  return f.format(new Date(Date.UTC(y, mo - 1, 1)));
}

// address is the explorer's URL for a root, a tree and a period.
export function address(self: string, code: string, tree: TreeKind, period: string): string {
  const q = new URLSearchParams();
  if (tree !== 'sponsor') q.set('tree', tree);
  if (period && period !== currentPeriod) q.set('period', period);
  const s = q.toString();
  return base + 'team' + (code === self ? '' : '/' + encodeURIComponent(code)) + (s ? '?' + s : '');
}

// rootNode asks for the member itself; a server without the node read
// gets the member's profile and team counts instead.
async function rootNode(code: string, tree: TreeKind, period: string): Promise<{ node: ExplorerNode; page?: ExplorerPage }> {
  try {
    const r = await api.node(code, tree, period);
    return { node: r.node, page: r };
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 404)) throw e;
    const [p, team] = await Promise.all([api.member(code), api.team(code, tree)]);
    return { node: { code: p.code, name: p.name, status: p.status, joined_at: p.joined_at, depth: 0, team: team.total, active: team.active } };
  }
}

// grow expands the model breadth first, a few fetches at a time, until n
// nodes show: how the benchmarks reach a big visible tree.
async function grow(model: Model, n: number, marks: { expand: number }): Promise<number> {
  const queue: TNode[] = [model.root];
  while (queue.length && model.visible.length < n) {
    const batch = queue.splice(0, 8);
    await Promise.all(
      batch.map(async (t) => {
        const p = t.more ? t.parent! : t;
        const before = t.more ? p.kids!.length - 1 : 0;
        marks.expand = performance.now();
        if (t.more) await model.loadMore(t);
        else if (Model.hasKids(t)) await model.expand(t);
        if (p.open && p.kids) queue.push(...p.kids.slice(before));
      }),
    );
  }
  return model.visible.length;
}

type State = { kind: 'loading' } | { kind: 'notfound' } | { kind: 'error'; msg: Msg } | { kind: 'ready'; model: Model };

export function Explorer({ self, code }: { self: string; code: string }) {
  const m = messages.value;
  const q = new URLSearchParams(query.value);
  const tree: TreeKind = q.get('tree') === 'placement' ? 'placement' : 'sponsor';
  const period = /^\d{4}-\d{2}$/.test(q.get('period') ?? '') ? q.get('period')! : '';
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [info, setInfo] = useState<{ period: string; ranks: string[]; asOf?: string | null }>({ period: period, ranks: [] });
  const [version, setVersion] = useState(0);
  const [selected, setSelected] = useState<TNode | null>(null);
  const [hovered, setHovered] = useState<TNode | null>(null);
  const [highlight, setHighlight] = useState<Set<string>>(new Set());
  const [listShown, setListShown] = useState(!canvasWorks);
  const [notice, setNotice] = useState<Msg | null>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const stage = useRef<Stage | null>(null);
  const pendingJump = useRef<string[] | null>(null);
  const probe = useRef<Probe>({
    rootPaintAt: 0,
    rootMs: 0,
    expandAt: 0,
    expandMs: 0,
    visible: () => 0,
    drawn: () => 0,
    at: () => null,
    grow: () => Promise.resolve(0),
  });
  const marks = useRef({ root: 0, expand: 0 });

  // Every answer of the period's reads carries the period, its cut-off and the ranks.
  function heard(p: ExplorerPage) {
    if (!period) currentPeriod = p.period;
    setInfo((i) => ({ period: p.period, ranks: p.ranks ?? i.ranks, asOf: p.as_of }));
  }

  function fail(e: unknown) {
    if (lost(e)) return;
    setNotice(() => describe(e));
  }

  // Load the root and its first level whenever the address changes.
  useEffect(() => {
    let live = true;
    setState({ kind: 'loading' });
    setSelected(null);
    setHighlight(new Set());
    setNotice(null);
    marks.current.root = performance.now();
    const fetch = async (c: string, cursor: string): Promise<ChildrenPage> => {
      const p = await api.children(c, tree, period, cursor);
      if (live) heard(p);
      return p;
    };
    rootNode(code, tree, period)
      .then(async ({ node, page }) => {
        if (!live) return;
        if (page) heard(page);
        const model = new Model(node, fetch);
        model.onChange = () => {
          setVersion(model.version);
          stage.current?.paint();
        };
        if (Model.hasKids(model.root)) await model.expand(model.root);
        if (!live) return;
        setState({ kind: 'ready', model });
        setSelected(model.root);
      })
      .catch((e) => {
        if (!live || lost(e)) return;
        if (e instanceof ApiError && e.status === 404) setState({ kind: 'notfound' });
        else setState({ kind: 'error', msg: describe(e) });
      });
    return () => {
      live = false;
    };
  }, [code, tree, period]);

  const model = state.kind === 'ready' ? state.model : null;
  const look: Look = { m, locale: locale.value, tree, ranks: info.ranks, highlight, selected };

  // The canvas: made once the model is there, kept up to date with the look.
  useEffect(() => {
    if (!model || !canvas.current || !canvasWorks) return;
    const s = new Stage(canvas.current, model, look);
    stage.current = s;
    s.onTap = (t, toggle) => {
      select(t);
      if (toggle || t.more || !t.open) expand(t, toggle);
    };
    s.onHover = setHovered;
    s.onPaint = () => {
      const now = performance.now();
      if (marks.current.root) {
        probe.current.rootPaintAt = now;
        probe.current.rootMs = now - marks.current.root;
        marks.current.root = 0;
      }
      if (marks.current.expand && !model.visible.some((t) => t.loading)) {
        probe.current.expandAt = now;
        probe.current.expandMs = now - marks.current.expand;
        marks.current.expand = 0;
      }
    };
    const jump = pendingJump.current;
    pendingJump.current = null;
    if (jump) openPath(model, jump);
    return () => {
      s.destroy();
      stage.current = null;
    };
  }, [model]);

  useEffect(() => {
    const s = stage.current;
    if (!s) return;
    s.look = look;
    s.paint();
  });

  useEffect(() => {
    const p = probe.current;
    p.visible = () => model?.visible.length ?? 0;
    p.drawn = () => stage.current?.drawn ?? 0;
    p.at = (c) => {
      const s = stage.current;
      const t = model?.get(c);
      if (!s || !t || !model!.visible.includes(t)) return null;
      const r = s.canvas.getBoundingClientRect();
      return { x: r.left + r.width / 2 + (t.x - s.cam.x) * s.cam.k, y: r.top + r.height / 2 + (t.y + nodeH / 2 - s.cam.y) * s.cam.k };
    };
    p.grow = (n) => (model ? grow(model, n, marks.current) : Promise.resolve(0));
    window.__explorer = p;
  }, [model]);

  // select makes t the chosen node; its card shows until the pointer
  // hovers another.
  function select(t: TNode | null) {
    setSelected(t);
    setHovered(null);
  }

  function expand(t: TNode, toggle = true) {
    if (!model) return;
    marks.current.expand = performance.now();
    (toggle ? model.toggle(t) : model.expand(t)).catch(fail);
  }

  // openPath opens the nodes of path (codes from the root down), then
  // highlights it and brings its last node to the middle.
  async function openPath(mod: Model, path: string[]) {
    try {
      const t = await mod.openPath(path);
      if (!t) {
        setNotice(() => (m: Messages) => m.notFound);
        return;
      }
      setHighlight(new Set(path));
      select(t);
      stage.current?.centre(t);
    } catch (e) {
      fail(e);
    }
  }

  // jump goes to a member found below oneself: in this view when it is
  // below the root, else from oneself.
  function jump(path: string[]) {
    const i = path.indexOf(code);
    if (model && i >= 0) {
      openPath(model, path.slice(i));
      return;
    }
    pendingJump.current = path.slice(path.indexOf(self));
    navigate(address(self, self, tree, period));
  }

  async function legEnd(side: 'L' | 'R') {
    if (!model) return;
    try {
      const r = await api.legEnd(code, side, period);
      await openPath(model, r.path);
    } catch (e) {
      fail(e);
    }
  }

  const go = (c: string, tr = tree, p = period) => navigate(address(self, c, tr, p));

  if (state.kind === 'notfound') return <NotFound />;
  const card = hovered ?? selected;
  const current = currentPeriod || (period && period > shanghaiMonth() ? period : shanghaiMonth());
  const options = periods(current > info.period ? current : info.period || current);

  return (
    <main class="explorer" id="explorer" data-tree={tree} data-period={info.period}>
      <Crumbs self={self} code={code} tree={tree} go={go} />
      <div class="x-tools">
        <div class="x-seg" role="group" aria-label={m.xTree}>
          {(['sponsor', 'placement'] as const).map((k) => (
            <button key={k} id={`x-tree-${k}`} class={k === tree ? 'on' : ''} aria-pressed={k === tree} onClick={() => go(code, k)}>
              {k === 'sponsor' ? m.sponsorTree : m.placementTree}
            </button>
          ))}
        </div>
        <label class="x-period">
          <span>{m.period}</span>
          <select id="x-period" value={info.period} onChange={(e) => go(code, tree, (e.target as HTMLSelectElement).value)}>
            {options.map((p) => (
              <option key={p} value={p}>
                {p === current ? m.xCurrent(monthLabel(p)) : monthLabel(p)}
              </option>
            ))}
          </select>
        </label>
        <Search self={self} tree={tree} onPick={jump} />
      </div>
      <div class="x-actions">
        {tree === 'placement' && (
          <>
            <button id="x-leg-L" class="ghost" disabled={!model} onClick={() => legEnd('L')}>
              {m.xLegEnd('L')}
            </button>
            <button id="x-leg-R" class="ghost" disabled={!model} onClick={() => legEnd('R')}>
              {m.xLegEnd('R')}
            </button>
          </>
        )}
        <button
          id="x-csv"
          class="ghost"
          disabled={!model}
          onClick={() => model && download(`team-${code}-${tree}-${info.period}.csv`, new Blob([csv(model)], { type: 'text/csv;charset=utf-8' }))}
        >
          {m.xCsv}
        </button>
        {canvasWorks && (
          <button
            id="x-png"
            class="ghost"
            disabled={!model}
            onClick={() => model && png(model, look).then((b) => download(`team-${code}-${tree}-${info.period}.png`, b), fail)}
          >
            {m.xPng}
          </button>
        )}
        {canvasWorks && (
          <button id="x-view" class="ghost x-view" aria-pressed={listShown} onClick={() => setListShown(!listShown)}>
            {listShown ? m.xShowChart : m.xShowList}
          </button>
        )}
      </div>
      {info.asOf && <p class="x-asof" id="x-asof">{m.xAsOf(date(new Date(Date.parse(info.asOf) - 1).toISOString()))}</p>}
      {notice && (
        <p class="form-error" role="alert" id="x-notice">
          {notice(m)}
        </p>
      )}
      {state.kind === 'loading' && <p class="loading">{m.loading}</p>}
      {state.kind === 'error' && <p class="form-error">{state.msg(m)}</p>}
      {model && (
        <div class={`x-body${listShown ? ' list-shown' : ''}${canvasWorks ? '' : ' no-canvas'}`}>
          {canvasWorks && (
            <div class="x-stage">
              <canvas ref={canvas} id="x-canvas" tabIndex={0} role="img" aria-label={m.xChartLabel(model.visible.length)} />
              <div class="x-zoom">
                <button aria-label={m.xZoomIn} title={m.xZoomIn} onClick={() => stage.current?.zoom(1.3)}>
                  +
                </button>
                <button aria-label={m.xZoomOut} title={m.xZoomOut} onClick={() => stage.current?.zoom(1 / 1.3)}>
                  −
                </button>
                <button id="x-fit" aria-label={m.xFit} title={m.xFit} onClick={() => stage.current?.fit()}>
                  ⤢
                </button>
              </div>
            </div>
          )}
          <div class="x-side">
            {card && !card.more && (
              <Card
                t={card}
                tree={tree}
                isRoot={card === model.root}
                onToggle={() => expand(card)}
                onReroot={() => go(card.n.code)}
                onClose={() => select(null)}
              />
            )}
            <TreeList
              model={model}
              version={version}
              active={selected}
              onActive={(t) => {
                select(t);
                stage.current?.centre(t);
              }}
              onToggle={(t) => expand(t)}
              highlight={highlight}
            />
          </div>
        </div>
      )}
      <Legend ranks={info.ranks} tree={tree} />
    </main>
  );
}

// Crumbs are the upline from oneself down to the root shown, each a way back.
function Crumbs({ self, code, tree, go }: { self: string; code: string; tree: TreeKind; go: (c: string) => void }) {
  const m = messages.value;
  const [up, setUp] = useState<string[]>([]);
  useEffect(() => {
    let live = true;
    setUp([]);
    if (code === self) return;
    api.upline(code, tree).then(
      (r) => live && setUp(r.items.map((n) => n.code).reverse()),
      (e) => lost(e),
    );
    return () => {
      live = false;
    };
  }, [code, tree]);
  const trail = code === self ? [self] : up.length && up[0] === self ? [...up, code] : [self, code];
  return (
    <nav class="x-crumbs" aria-label={m.xBreadcrumbs} id="x-crumbs">
      <ol>
        {trail.map((c, i) => (
          <li key={c}>
            {i === trail.length - 1 ? (
              <span aria-current="page">{c}</span>
            ) : (
              <a
                href={address(self, c, tree, '')}
                onClick={(e) => {
                  e.preventDefault();
                  go(c);
                }}
              >
                {c}
              </a>
            )}
          </li>
        ))}
      </ol>
    </nav>
  );
}

function Search({ self, tree, onPick }: { self: string; tree: TreeKind; onPick: (path: string[]) => void }) {
  const m = messages.value;
  const [q, setQ] = useState('');
  const [found, setFound] = useState<{ node: ExplorerNode; path: string[] }[] | null>(null);
  const [error, setError] = useState<Msg | null>(null);
  const seq = useRef(0);

  async function find(text: string) {
    const n = ++seq.current;
    if (!text.trim()) {
      setFound(null);
      return;
    }
    try {
      const r = await api.search(self, tree, text.trim(), 10);
      if (n === seq.current) {
        setFound(r.items);
        setError(null);
      }
    } catch (e) {
      if (lost(e) || n !== seq.current) return;
      setFound(null);
      setError(() => describe(e));
    }
  }

  useEffect(() => {
    const id = setTimeout(() => find(q), 250);
    return () => clearTimeout(id);
  }, [q, tree]);

  return (
    <form
      class="x-search"
      role="search"
      onKeyDown={(e) => {
        if (e.key === 'Escape') setFound(null);
      }}
      onSubmit={(e) => {
        e.preventDefault();
        find(q);
      }}
    >
      <label for="x-q">{m.xSearch}</label>
      <input
        id="x-q"
        type="search"
        value={q}
        placeholder={m.xSearchHint}
        autocomplete="off"
        aria-describedby={error ? 'x-q-error' : undefined}
        onInput={(e) => setQ(e.currentTarget.value)}
      />
      {error && (
        <p class="field-error" id="x-q-error" role="alert">
          {error(m)}
        </p>
      )}
      {found && (
        <ul class="x-found" id="x-found" aria-live="polite">
          {found.length === 0 && <li class="empty">{m.xNoMatch}</li>}
          {found.map((f) => (
            <li key={f.node.code}>
              <button
                type="button"
                class="link"
                data-code={f.node.code}
                onClick={() => {
                  setFound(null);
                  onPick(f.path);
                }}
              >
                <span class="x-code">{f.node.code}</span> {f.node.name}
              </button>
            </li>
          ))}
        </ul>
      )}
    </form>
  );
}

function Card({
  t,
  tree,
  isRoot,
  onToggle,
  onReroot,
  onClose,
}: {
  t: TNode;
  tree: TreeKind;
  isRoot: boolean;
  onToggle: () => void;
  onReroot: () => void;
  onClose: () => void;
}) {
  const m = messages.value;
  const n = t.n;
  const row = (name: string, label: string, value: string | undefined) =>
    value !== undefined && (
      <div class="figure" data-figure={name}>
        <dt>{label}</dt>
        <dd>{value}</dd>
      </div>
    );
  const vol = (v: string | undefined) => (v === undefined ? undefined : number(v, 2));
  return (
    <section class="x-card card" id="x-card" aria-label={m.xCardLabel(n.code)} data-code={n.code}>
      <header>
        <span class="x-dot" style={{ background: rankColour(n.rank_index) }} aria-hidden="true" />
        <strong class="x-code">{n.code}</strong>
        <span class="x-name">{n.name}</span>
        <button class="link x-close" aria-label={m.xClose} onClick={onClose}>
          ×
        </button>
      </header>
      <dl class="figures">
        {row('rank', m.xRank, n.rank || m.xNoRank)}
        {row('status', m.status, (m.memberStatus[n.status] ?? n.status) + (n.new ? ` · ${m.xNew}` : '') + (n.spillover ? ` · ${m.xSpillShort}` : ''))}
        {row('joined', m.joined, date(n.joined_at))}
        {row('pv', m.pv, vol(n.pv))}
        {tree === 'sponsor' ? row('gv', m.xGv, vol(n.gv)) : row('left-gv', m.xLeftGv, vol(n.left_gv))}
        {tree === 'placement' && row('right-gv', m.xRightGv, vol(n.right_gv))}
        {tree === 'placement' && row('carry', m.xCarry, n.carry_left === undefined ? undefined : `${vol(n.carry_left)} / ${vol(n.carry_right)}`)}
        {row('team', m.teamMembers, n.team === undefined ? undefined : `${number(n.team)} · ${m.activeMembers} ${number(n.active)}`)}
      </dl>
      <div class="x-card-actions">
        {Model.hasKids(t) && (
          <button class="ghost" id="x-card-toggle" onClick={onToggle}>
            {t.open ? m.xCollapse : m.xExpand}
          </button>
        )}
        {!isRoot && (
          <button class="ghost" id="x-reroot" onClick={onReroot}>
            {m.xReroot}
          </button>
        )}
      </div>
    </section>
  );
}

function Legend({ ranks, tree }: { ranks: string[]; tree: TreeKind }) {
  const m = messages.value;
  const items = useMemo(() => ranks.map((r, i) => ({ r, c: rankColour(i) })), [ranks]);
  return (
    <section class="x-legend" aria-label={m.xLegend} id="x-legend">
      {items.map(({ r, c }) => (
        <span key={r} class="x-key">
          <span class="x-dot" style={{ background: c }} aria-hidden="true" />
          {r}
        </span>
      ))}
      <span class="x-key">
        <span class="x-dot" style={{ background: rankColour(-1) }} aria-hidden="true" />
        {m.xNoRank}
      </span>
      <span class="x-key">
        <span class="x-box inactive" aria-hidden="true" />
        {m.xInactive}
      </span>
      <span class="x-key">
        <span class="x-badge new" aria-hidden="true">
          {m.xNewBadge}
        </span>
        {m.xNew}
      </span>
      {tree === 'placement' && (
        <span class="x-key">
          <span class="x-badge spill" aria-hidden="true">
            {m.xSpillBadge}
          </span>
          {m.xSpill}
        </span>
      )}
    </section>
  );
}
