import { draw, fit, hit, opening, type Camera, type Look } from './draw';
import { Model, nodeH, type TNode } from './model';

// Stage is the canvas of the explorer: it draws the model when something
// changed (once per animation frame at most), pans on drag, zooms on the
// wheel and on a two-finger pinch, and tells taps and hovers on nodes.
export class Stage {
  cam: Camera = { x: 0, y: 0, k: 1 };
  look: Look;
  drawn = 0;
  onTap: (t: TNode, toggle: boolean) => void = () => {};
  onHover: (t: TNode | null) => void = () => {};
  onPaint: () => void = () => {};
  private ctx: CanvasRenderingContext2D;
  private w = 0;
  private h = 0;
  private frame = 0;
  private pointers = new Map<number, { x: number; y: number }>();
  private moved = false;
  private pinch = 0;
  private hovered: TNode | null = null;
  private resize: ResizeObserver;

  constructor(
    readonly canvas: HTMLCanvasElement,
    public model: Model,
    look: Look,
  ) {
    this.ctx = canvas.getContext('2d')!;
    this.look = look;
    this.resize = new ResizeObserver(() => this.measure());
    this.resize.observe(canvas);
    this.measure();
    canvas.addEventListener('pointerdown', this.down);
    canvas.addEventListener('pointermove', this.move);
    canvas.addEventListener('pointerup', this.up);
    canvas.addEventListener('pointercancel', this.cancel);
    canvas.addEventListener('pointerleave', this.leave);
    canvas.addEventListener('wheel', this.wheel, { passive: false });
    canvas.addEventListener('keydown', this.key);
  }

  destroy() {
    this.resize.disconnect();
    cancelAnimationFrame(this.frame);
    const c = this.canvas;
    c.removeEventListener('pointerdown', this.down);
    c.removeEventListener('pointermove', this.move);
    c.removeEventListener('pointerup', this.up);
    c.removeEventListener('pointercancel', this.cancel);
    c.removeEventListener('pointerleave', this.leave);
    c.removeEventListener('wheel', this.wheel);
    c.removeEventListener('keydown', this.key);
  }

  private measure() {
    const r = this.canvas.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    if (r.width === this.w && r.height === this.h) return;
    const first = this.w === 0;
    this.w = r.width;
    this.h = r.height;
    this.canvas.width = Math.max(1, Math.round(r.width * ratio));
    this.canvas.height = Math.max(1, Math.round(r.height * ratio));
    if (first) this.cam = opening(this.model, this.w, this.h);
    this.paint();
  }

  // paint asks for a drawing on the next animation frame.
  paint() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      if (!this.w || !this.h) return;
      this.drawn = draw(this.ctx, this.w, this.h, window.devicePixelRatio || 1, this.cam, this.model, this.look);
      this.onPaint();
    });
  }

  fit() {
    if (this.w && this.h) this.cam = fit(this.model, this.w, this.h);
    this.paint();
  }

  // centre brings t to the middle, zoomed in enough to read it.
  centre(t: TNode) {
    this.cam = { x: t.x, y: t.y + nodeH / 2, k: Math.max(this.cam.k, 1) };
    this.paint();
  }

  zoom(by: number, sx = this.w / 2, sy = this.h / 2) {
    const c = this.cam;
    const k = Math.min(4, Math.max(0.0005, c.k * by));
    // Keep the world point under (sx, sy) where it is.
    const wx = c.x + (sx - this.w / 2) / c.k;
    const wy = c.y + (sy - this.h / 2) / c.k;
    this.cam = { x: wx - (sx - this.w / 2) / k, y: wy - (sy - this.h / 2) / k, k };
    this.paint();
  }

  private world(sx: number, sy: number) {
    return { x: this.cam.x + (sx - this.w / 2) / this.cam.k, y: this.cam.y + (sy - this.h / 2) / this.cam.k };
  }

  private local(e: PointerEvent | WheelEvent) {
    const r = this.canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  private down = (e: PointerEvent) => {
    this.canvas.setPointerCapture(e.pointerId);
    this.pointers.set(e.pointerId, this.local(e));
    this.moved = false;
    this.pinch = 0;
  };

  private move = (e: PointerEvent) => {
    const p = this.local(e);
    const last = this.pointers.get(e.pointerId);
    if (!last) {
      if (e.pointerType === 'mouse') {
        const w = this.world(p.x, p.y);
        const h = hit(this.model, w.x, w.y)?.t ?? null;
        if (h !== this.hovered) {
          this.hovered = h;
          this.canvas.style.cursor = h ? 'pointer' : 'grab';
          this.onHover(h);
        }
      }
      return;
    }
    if (this.pointers.size === 2) {
      this.pointers.set(e.pointerId, p);
      const [a, b] = [...this.pointers.values()];
      const d = Math.hypot(a.x - b.x, a.y - b.y);
      if (this.pinch) this.zoom(d / this.pinch, (a.x + b.x) / 2, (a.y + b.y) / 2);
      this.pinch = d;
      this.moved = true;
      return;
    }
    const dx = p.x - last.x;
    const dy = p.y - last.y;
    if (!this.moved && Math.hypot(dx, dy) < 5) return;
    this.moved = true;
    this.pointers.set(e.pointerId, p);
    this.cam = { ...this.cam, x: this.cam.x - dx / this.cam.k, y: this.cam.y - dy / this.cam.k };
    this.paint();
  };

  private up = (e: PointerEvent) => {
    const had = this.pointers.delete(e.pointerId);
    if (had && !this.moved && this.pointers.size === 0) {
      const p = this.local(e);
      const w = this.world(p.x, p.y);
      const h = hit(this.model, w.x, w.y);
      if (h) this.onTap(h.t, h.toggle);
    }
    if (this.pointers.size < 2) this.pinch = 0;
  };

  private cancel = (e: PointerEvent) => {
    this.pointers.delete(e.pointerId);
    this.pinch = 0;
  };

  private leave = (e: PointerEvent) => {
    if (e.pointerType === 'mouse' && this.hovered) {
      this.hovered = null;
      this.onHover(null);
    }
  };

  private wheel = (e: WheelEvent) => {
    e.preventDefault();
    const p = this.local(e);
    this.zoom(Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015)), p.x, p.y);
  };

  // Keys on the focused canvas: arrows pan, + and - zoom, 0 fits, Enter
  // or Space opens or closes the chosen node.
  private key = (e: KeyboardEvent) => {
    const step = 60 / this.cam.k;
    const c = this.cam;
    switch (e.key) {
      case 'ArrowLeft':
        this.cam = { ...c, x: c.x - step };
        break;
      case 'ArrowRight':
        this.cam = { ...c, x: c.x + step };
        break;
      case 'ArrowUp':
        this.cam = { ...c, y: c.y - step };
        break;
      case 'ArrowDown':
        this.cam = { ...c, y: c.y + step };
        break;
      case '+':
      case '=':
        this.zoom(1.25);
        break;
      case '-':
        this.zoom(0.8);
        break;
      case '0':
        this.fit();
        break;
      case 'Enter':
      case ' ':
        if (this.look.selected) this.onTap(this.look.selected, true);
        break;
      default:
        return;
    }
    e.preventDefault();
    this.paint();
  };
}
