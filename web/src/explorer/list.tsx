import { useEffect, useRef, useState } from 'preact/hooks';
import { t as messages } from '../i18n';
import { Model, type TNode } from './model';

// TreeList is the explorer's accessible view: a WAI-ARIA tree of the same
// visible nodes as the canvas, read with the keyboard (arrows, Home, End,
// Enter or Space to expand). Only the rows in sight are in the page, so a
// team of thousands stays light; focus stays on the tree, which names the
// active row with aria-activedescendant.

const rowH = 44;

export function TreeList({
  model,
  active,
  onActive,
  onToggle,
  highlight,
}: {
  model: Model;
  version: number;
  active: TNode | null;
  onActive: (t: TNode) => void;
  onToggle: (t: TNode) => void;
  highlight: Set<string>;
}) {
  const m = messages.value;
  const box = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const [height, setHeight] = useState(600);
  const rows = model.visible;
  const at = active ? rows.indexOf(active) : -1;

  useEffect(() => {
    const el = box.current!;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight || 600));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Keep the active row in sight.
  useEffect(() => {
    const el = box.current;
    if (!el || at < 0) return;
    const y = at * rowH;
    if (y < el.scrollTop) el.scrollTop = y;
    else if (y + rowH > el.scrollTop + el.clientHeight) el.scrollTop = y + rowH - el.clientHeight;
  }, [at, active]);

  const from = Math.max(0, Math.floor(top / rowH) - 5);
  const to = Math.min(rows.length, Math.ceil((top + height) / rowH) + 5);

  function key(e: KeyboardEvent) {
    const i = at < 0 ? 0 : at;
    const t = rows[i];
    let next: TNode | undefined;
    switch (e.key) {
      case 'ArrowDown':
        next = rows[Math.min(rows.length - 1, at + 1)];
        break;
      case 'ArrowUp':
        next = rows[Math.max(0, i - 1)];
        break;
      case 'Home':
        next = rows[0];
        break;
      case 'End':
        next = rows[rows.length - 1];
        break;
      case 'ArrowRight':
        if (t.open && t.kids?.length) next = t.kids[0];
        else if (Model.hasKids(t)) onToggle(t);
        break;
      case 'ArrowLeft':
        if (t.open) onToggle(t);
        else if (t.parent) next = t.parent;
        break;
      case 'Enter':
      case ' ':
        onToggle(t);
        if (at < 0) next = t;
        break;
      default:
        return;
    }
    e.preventDefault();
    if (next) onActive(next);
  }

  return (
    <div
      class="x-list"
      ref={box}
      role="tree"
      tabIndex={0}
      id="x-tree"
      aria-label={m.xListLabel}
      aria-activedescendant={active && at >= 0 ? rowId(active) : undefined}
      onKeyDown={key}
      onScroll={(e) => setTop((e.currentTarget as HTMLDivElement).scrollTop)}
    >
      <div role="none" style={{ height: rows.length * rowH + 'px', position: 'relative' }}>
        {rows.slice(from, to).map((t, j) => {
          const kids = t.parent?.kids ?? [t];
          const canOpen = Model.hasKids(t);
          return (
            <div
              key={rowId(t)}
              id={rowId(t)}
              role="treeitem"
              class={`x-row${t === active ? ' active' : ''}${highlight.has(t.n.code) ? ' on' : ''}${t.n.status === 'active' ? '' : ' inactive'}`}
              style={{ top: (from + j) * rowH + 'px', paddingLeft: 0.5 + Math.min(t.level, 12) * 1 + 'rem' }}
              aria-level={t.level + 1}
              aria-setsize={kids.length}
              aria-posinset={kids.indexOf(t) + 1}
              aria-expanded={canOpen ? t.open : undefined}
              aria-selected={t === active}
              aria-busy={t.loading || undefined}
              data-code={t.more ? undefined : t.n.code}
              onClick={() => {
                onActive(t);
                onToggle(t);
              }}
            >
              <span class="x-twisty" aria-hidden="true">
                {t.loading ? '…' : canOpen ? (t.open ? '▾' : '▸') : ''}
              </span>
              {t.more ? (
                <span class="x-more">{m.xMore}</span>
              ) : (
                <>
                  <span class="x-code">{t.n.code}</span>
                  <span class="x-name">{t.n.name}</span>
                  {t.n.rank && <span class="x-rank">{t.n.rank}</span>}
                </>
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}

export function rowId(t: TNode): string {
  return t.more ? `x-more-${t.parent?.n.code}` : `x-node-${t.n.code}`;
}
