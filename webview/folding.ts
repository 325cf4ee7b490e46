// The graph view's folding state: which group tree is in use (fold.ts's folds, Group by line's
// line groups, or none), built once per graph, and which groups the user opened or closed.
import { foldTree, lineTree, type FoldGroup, type FoldKind, type FoldTree } from "./fold";
import type { ViewGraph } from "./model";

export interface GroupInfo {
  id: string;
  kind: FoldKind;
  label: string;
  open: boolean;
  /** View nodes under it. */
  size: number;
  parent?: string;
}

export class Folding {
  private graph: ViewGraph | null = null;
  private byLine = false;
  private folds: FoldTree | null = null;
  private lines: FoldTree | null = null;
  /** The user's choices: group id → open. */
  private readonly overrides = new Map<string, boolean>();

  constructor(private folding: boolean) {}

  setGraph(g: ViewGraph): void {
    this.graph = g;
    this.folds = this.lines = null;
    this.overrides.clear();
  }

  /** Turns Group by line on or off; false when nothing changed. */
  setByLine(on: boolean): boolean {
    if (on === this.byLine) return false;
    this.byLine = on;
    this.overrides.clear();
    return true;
  }

  /** Turns folding on or off; false when nothing changed. */
  setFolding(on: boolean): boolean {
    if (on === this.folding) return false;
    this.folding = on;
    this.overrides.clear();
    return true;
  }

  /** The tree in use (null: every node on its own). */
  tree(): FoldTree | null {
    const g = this.graph;
    if (!g) return null;
    if (this.byLine) return (this.lines ??= lineTree(g));
    return this.folding ? (this.folds ??= foldTree(g)) : null;
  }

  isOpen(grp: FoldGroup): boolean {
    return this.overrides.get(grp.id) ?? grp.open;
  }

  /** Opens a closed group or closes an open one; false when there is no such group. */
  toggle(id: string): boolean {
    const grp = this.tree()?.groups.get(id);
    if (!grp) return false;
    this.overrides.set(id, !this.isOpen(grp));
    return true;
  }

  list(): GroupInfo[] {
    const tree = this.tree();
    if (!tree) return [];
    return [...tree.groups.values()].map((g) => ({ id: g.id, kind: g.kind, label: g.label, open: this.isOpen(g), size: g.size, ...(g.parent ? { parent: g.parent } : {}) }));
  }
}
