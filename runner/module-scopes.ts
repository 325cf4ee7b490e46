// Which module call made each grad_fn node (snapshot.scopes, NodeInfo.scope): the engine says when
// a module call begins and ends (observer.moduleEnter/moduleExit); a call enters the snapshot's
// list only when a node is recorded inside it, so calls that made nothing (no_grad evaluation,
// a Dropout in eval mode) cost nothing.
import type { ScopeInfo } from "../shared/protocol";

/** Module calls kept; nodes of later calls carry no scope (the view then does not fold them by module). */
export const MAX_SCOPES = 20_000;

interface Frame {
  name: string;
  type: string;
  params: string[];
  /** Its index in the list, once a node was made inside it. */
  index?: number;
}

export class ModuleScopes {
  private readonly stack: Frame[] = [];
  private readonly list: ScopeInfo[] = [];

  enter(info: { name: string; type: string; parameters: ReadonlyArray<{ id: number }> }): void {
    // Engine objects from the snippet's realm: read defensively.
    const name = typeof info.name === "string" ? info.name.slice(0, 200) : "";
    const type = typeof info.type === "string" ? info.type.slice(0, 200) : "Module";
    const params = Array.isArray(info.parameters) ? info.parameters.slice(0, 64).map((p) => `t${p.id}`) : [];
    this.stack.push({ name, type, params });
  }

  exit(): void {
    this.stack.pop();
  }

  /** The innermost module call running now, entered into the list (with its parents) on first use. */
  current(): number | undefined {
    let parent: number | undefined;
    for (const f of this.stack) {
      if (f.index === undefined) {
        if (this.list.length >= MAX_SCOPES) return undefined;
        f.index = this.list.length;
        this.list.push({ kind: "module", name: f.name, type: f.type, ...(parent !== undefined ? { parent } : {}), ...(f.params.length ? { params: f.params } : {}) });
      }
      parent = f.index;
    }
    return parent;
  }

  /** The list for the snapshot (undefined when no module call made a node). */
  scopes(): ScopeInfo[] | undefined {
    return this.list.length ? this.list : undefined;
  }
}
