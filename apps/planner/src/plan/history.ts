/**
 * Undo/redo over immutable snapshots: every plan change pushes the state it replaces; undo and redo swap
 * whole snapshots, so what comes back is exactly what was there (ids, points, the approval). Steps that
 * are not snapshots (a brush stroke's compact diff) go through `undoWith`/`redoWith`: the caller applies
 * the step and says which step takes it back.
 */
export class UndoHistory<T> {
  private past: T[] = [];
  private future: T[] = [];

  /** Keeps at most `limit` steps back (the oldest are dropped). */
  constructor(private readonly limit = 200) {}

  /** Records `before`, the state a change replaces; a new change forgets the redo steps. */
  record(before: T): void {
    this.past.push(before);
    if (this.past.length > this.limit) this.past.shift();
    this.future = [];
  }

  /** The state to go back to, given the current one (kept for redo); undefined when there is none. */
  undo(current: T): T | undefined {
    const previous = this.past.pop();
    if (previous !== undefined) this.future.push(current);
    return previous;
  }

  redo(current: T): T | undefined {
    const next = this.future.pop();
    if (next !== undefined) this.past.push(current);
    return next;
  }

  /** Takes back the last step with `revert`, which applies it and returns the step that redoes it. */
  undoWith(revert: (step: T) => T): boolean {
    const step = this.past.pop();
    if (step === undefined) return false;
    this.future.push(revert(step));
    return true;
  }

  /** Redoes the last undone step with `reapply`, which returns the step that undoes it again. */
  redoWith(reapply: (step: T) => T): boolean {
    const step = this.future.pop();
    if (step === undefined) return false;
    this.past.push(reapply(step));
    return true;
  }

  clear(): void {
    this.past = [];
    this.future = [];
  }

  get canUndo(): boolean {
    return this.past.length > 0;
  }

  get canRedo(): boolean {
    return this.future.length > 0;
  }
}

/** A step of the planner's history: a plan snapshot (the state a change replaced) or a brush stroke. */
export type PlannerStep<Snapshot, Edit> = { kind: 'plan'; snapshot: Snapshot } | { kind: 'mask'; edit: Edit };
