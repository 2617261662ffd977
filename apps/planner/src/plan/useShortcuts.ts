/**
 * Keyboard shortcuts of the planner (listed in PlanPanel's help): Ctrl+Z undo, Ctrl+Shift+Z or Ctrl+Y
 * redo, Delete removes the selected trajectory, T picks a target, E an entry, Escape cancels picking,
 * A auto-plans for the cursor point. Keys typed into a field are left to the field. Releasing the pointer
 * ends a vessel-mask brush stroke (one undo step, then the vessel channel is re-measured).
 */
import { useEffect } from 'react';
import { useStore } from '../store/index.ts';

export const SHORTCUTS: readonly { keys: string; action: string }[] = [
  { keys: 'Ctrl+Z', action: 'undo (plan edits and vessel brush strokes)' },
  { keys: 'Ctrl+Shift+Z or Ctrl+Y', action: 'redo' },
  { keys: 'Delete', action: 'remove the selected trajectory' },
  { keys: 'T', action: 'pick a target (moves the selected trajectory’s target)' },
  { keys: 'E', action: 'pick an entry (moves the selected trajectory’s entry)' },
  { keys: 'Escape', action: 'cancel picking' },
  { keys: 'A', action: 'auto-plan entries for the target at the cursor' },
];

function typingInField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** What a key does to the store; exported for the shortcut handler and its tests. */
export function handleShortcut(e: KeyboardEvent): boolean {
  if (typingInField(e.target)) return false;
  const s = useStore.getState();
  const key = e.key.toLowerCase();
  const mod = e.ctrlKey || e.metaKey;
  if (mod && key === 'z') {
    if (e.shiftKey) s.redo();
    else s.undo();
    return true;
  }
  if (mod && key === 'y') {
    s.redo();
    return true;
  }
  if (mod || e.altKey) return false;
  switch (key) {
    case 'delete':
      if (s.selectedId) s.removeTrajectory(s.selectedId);
      return s.selectedId !== null;
    case 't':
      s.setPickMode('target');
      return true;
    case 'e':
      s.setPickMode('entry');
      return true;
    case 'escape':
      if (s.pickMode === 'none') return false;
      s.setPickMode('none');
      return true;
    case 'a':
      if (!s.cursorLps) return false;
      void s.autoPlan(s.cursorLps);
      return true;
    default:
      return false;
  }
}

export function useShortcuts(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (handleShortcut(e)) e.preventDefault();
    };
    // The 2D views capture the pointer while brushing, so its release bubbles up here.
    const onRelease = (): void => useStore.getState().commitVesselStroke();
    window.addEventListener('keydown', onKey);
    window.addEventListener('pointerup', onRelease);
    window.addEventListener('pointercancel', onRelease);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('pointerup', onRelease);
      window.removeEventListener('pointercancel', onRelease);
    };
  }, []);
}
