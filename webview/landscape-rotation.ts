// Turning the Landscape's 3D surface: drag with the mouse, or the arrow keys (Home: back to the
// default view). Only while the surface is shown; the view is what landscape-figure.ts projects with.
import { DEFAULT_VIEW, type View3D } from "./landscape-math";

export interface RotationOptions {
  plotHost: HTMLElement;
  /** Whether the surface is shown (else keys and drags do nothing). */
  active(): boolean;
  /** The view changed: redraw. */
  changed(): void;
}

export class SurfaceRotation {
  view: View3D = { ...DEFAULT_VIEW };
  private drag: { x: number; y: number; view: View3D } | undefined;

  constructor(private readonly o: RotationOptions) {}

  onKey(e: KeyboardEvent): void {
    if (!this.o.active()) return;
    const step = Math.PI / 24;
    const v = { ...this.view };
    if (e.key === "ArrowLeft") v.azimuth -= step;
    else if (e.key === "ArrowRight") v.azimuth += step;
    else if (e.key === "ArrowUp") v.elevation = Math.min(Math.PI / 2, v.elevation + step);
    else if (e.key === "ArrowDown") v.elevation = Math.max(0, v.elevation - step);
    else if (e.key === "Home") Object.assign(v, DEFAULT_VIEW);
    else return;
    e.preventDefault();
    e.stopPropagation();
    this.view = v;
    this.o.changed();
  }

  onPointerDown(e: PointerEvent): void {
    if (!this.o.active() || e.button !== 0) return;
    this.drag = { x: e.clientX, y: e.clientY, view: { ...this.view } };
    this.o.plotHost.setPointerCapture?.(e.pointerId);
  }

  onPointerMove(e: PointerEvent): void {
    const d = this.drag;
    if (!d) return;
    const azimuth = d.view.azimuth - (e.clientX - d.x) * 0.01;
    const elevation = Math.min(Math.PI / 2, Math.max(0, d.view.elevation + (e.clientY - d.y) * 0.01));
    this.view = { azimuth, elevation };
    this.o.changed();
  }

  endDrag(): void {
    this.drag = undefined;
  }
}
