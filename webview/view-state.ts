// What the graph page keeps across being hidden (host.setState): the selection, the step, the
// viewport, the toggles and the panes' state, with the defaults.
import type { StepPosition } from "../shared/protocol";
import type { GraphView } from "./graph-view";
import type { PaneChoice } from "./side-panes";
import type { Speed } from "./stepper";
import type { Direction, Flow } from "./toolbar";

export type Viewport = ReturnType<GraphView["viewport"]>;

/** What the page keeps across being hidden (host.setState). */
export interface ViewState {
  v: 1;
  file?: string;
  selected?: string | null;
  position?: StepPosition;
  viewport?: Viewport;
  direction: Direction;
  flow: Flow;
  grouping: boolean;
  /** Fold module calls and repeated structure into boxes (unset: on). */
  folding?: boolean;
  consoleOpen: boolean;
  /** Draw every backward call's graph at once (else the graph of the call being shown). */
  allCalls?: boolean;
  /** The user's choice for the outline and the inspector (unset: open when wide, collapsed when narrow). */
  outlinePane?: PaneChoice;
  inspectorPane?: PaneChoice;
  speed: Speed;
  /** The Graph or the Landscape tab. */
  tab?: "graph" | "landscape";
  /** The host's layout-direction setting last applied: a changed setting overrides the toggle, an unchanged one does not. */
  directionSetting?: Direction;
}

/** Selecting from the outline or the inspector centres the graph on the node above this many drawn nodes. */
export const CENTER_ABOVE = 40;

export const DEFAULT_STATE: ViewState = { v: 1, direction: "auto", flow: "data", grouping: false, consoleOpen: false, speed: 1 };
