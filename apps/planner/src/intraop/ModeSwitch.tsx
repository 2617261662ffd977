/** Plan | Operate: the planner's two modes (the plan stays in memory while operating). */
import { create } from 'zustand';

export type AppMode = 'plan' | 'operate';

export const useMode = create<{ mode: AppMode; setMode(m: AppMode): void }>()((set) => ({
  mode: typeof location !== 'undefined' && location.hash === '#operate' ? 'operate' : 'plan',
  setMode: (mode) => set({ mode }),
}));

export function ModeSwitch() {
  const mode = useMode((s) => s.mode);
  const setMode = useMode((s) => s.setMode);
  return (
    <div className="mode-switch" role="group" aria-label="Mode">
      <button data-testid="mode-plan" aria-pressed={mode === 'plan'} onClick={() => setMode('plan')}>
        Plan
      </button>
      <button data-testid="mode-operate" aria-pressed={mode === 'operate'} onClick={() => setMode('operate')}>
        Operate
      </button>
    </div>
  );
}
