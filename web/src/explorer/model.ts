import type { ChildrenPage, ExplorerNode } from '../api';

// The explorer's tree as far as it is loaded: each node knows its children
// once they were fetched (one level per expand), and a wide frontline ends
// in a "more" node that fetches its next page. The visible nodes (the root
// and the children of every open node) are laid out as a tidy tree: leaves
// side by side in order, a parent centred over its children.

export interface TNode {
  n: ExplorerNode;
  // more is the cursor of a "more" node (its n is a placeholder).
  more?: string;
  parent: TNode | null;
  kids: TNode[] | null; // null until fetched
  open: boolean;
  loading: boolean;
  level: number; // 0 at the root
  x: number; // centre, in world units
  y: number; // top
}

export const nodeW = 176;
export const nodeH = 110;
const gapX = 16;
export const levelH = nodeH + 64;

export type Fetch = (code: string, cursor: string) => Promise<ChildrenPage>;

export class Model {
  root: TNode;
  visible: TNode[] = [];
  width = 0;
  height = 0;
  // version counts changes, for whoever draws the model.
  version = 0;
  onChange: () => void = () => {};
  private byCode = new Map<string, TNode>();

  constructor(
    root: ExplorerNode,
    private fetch: Fetch,
  ) {
    this.root = this.add(root, null);
    this.layout();
  }

  private add(n: ExplorerNode, parent: TNode | null, more?: string): TNode {
    const t: TNode = { n, more, parent, kids: null, open: false, loading: false, level: parent ? parent.level + 1 : 0, x: 0, y: 0 };
    if (!more) this.byCode.set(n.code, t);
    return t;
  }

  get(code: string): TNode | undefined {
    return this.byCode.get(code);
  }

  // hasKids tells whether a node may have children: unknown team sizes
  // (an older server) count as maybe.
  static hasKids(t: TNode): boolean {
    if (t.more) return false;
    if (t.kids) return t.kids.length > 0;
    return t.n.team === undefined || t.n.team > 0;
  }

  private append(t: TNode, page: ChildrenPage) {
    const kids = (t.kids ?? []).filter((k) => !k.more);
    for (const n of page.items) kids.push(this.add(n, t));
    if (page.next) kids.push(this.add({ code: '', name: '', status: '', joined_at: '', depth: 0 }, t, page.next));
    t.kids = kids;
  }

  // expand opens t, fetching its first page of children when needed.
  async expand(t: TNode): Promise<void> {
    if (t.more) return this.loadMore(t);
    if (!t.kids) {
      if (t.loading) return;
      t.loading = true;
      this.changed();
      try {
        this.append(t, await this.fetch(t.n.code, ''));
      } finally {
        t.loading = false;
      }
    }
    t.open = true;
    this.changed();
  }

  collapse(t: TNode) {
    if (!t.open) return;
    t.open = false;
    this.changed();
  }

  toggle(t: TNode): Promise<void> {
    if (t.open) {
      this.collapse(t);
      return Promise.resolve();
    }
    return this.expand(t);
  }

  // loadMore fetches the next page of a wide frontline in place of its
  // "more" node.
  async loadMore(more: TNode): Promise<void> {
    const p = more.parent!;
    if (more.loading) return;
    more.loading = true;
    this.changed();
    try {
      this.append(p, await this.fetch(p.n.code, more.more!));
    } finally {
      more.loading = false;
    }
    this.changed();
  }

  // openPath expands the nodes of path (codes from the root down) and
  // answers the last one's node, or undefined when the path leaves the tree.
  async openPath(path: string[]): Promise<TNode | undefined> {
    let t = this.root;
    if (path[0] !== t.n.code) return undefined;
    for (const code of path.slice(1)) {
      await this.expand(t);
      let next = t.kids!.find((k) => k.n.code === code);
      while (!next) {
        const more = t.kids!.find((k) => k.more);
        if (!more) return undefined;
        await this.loadMore(more);
        next = t.kids!.find((k) => k.n.code === code);
      }
      t = next;
    }
    return t;
  }

  // pathTo is the codes from the root down to t.
  static pathTo(t: TNode): string[] {
    const out: string[] = [];
    for (let p: TNode | null = t; p; p = p.parent) out.push(p.n.code);
    return out.reverse();
  }

  private changed() {
    this.layout();
    this.version++;
    this.onChange();
  }

  // layout lists the visible nodes depth first and places them; it walks
  // with a stack, not recursion, since a placement leg can be thousands of
  // levels deep.
  layout() {
    const vis: TNode[] = [];
    const stack: TNode[] = [this.root];
    let slot = 0;
    let deepest = 0;
    while (stack.length) {
      const t = stack.pop()!;
      vis.push(t);
      t.y = t.level * levelH;
      if (t.level > deepest) deepest = t.level;
      if (t.open && t.kids && t.kids.length) {
        for (let i = t.kids.length - 1; i >= 0; i--) stack.push(t.kids[i]);
      } else {
        t.x = slot++ * (nodeW + gapX) + nodeW / 2;
      }
    }
    // Parents after their children: reverse depth-first order.
    for (let i = vis.length - 1; i >= 0; i--) {
      const t = vis[i];
      if (t.open && t.kids && t.kids.length) t.x = (t.kids[0].x + t.kids[t.kids.length - 1].x) / 2;
    }
    this.visible = vis;
    this.width = Math.max(1, slot) * (nodeW + gapX) - gapX;
    this.height = deepest * levelH + nodeH;
  }
}
