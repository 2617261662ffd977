/** Plan | Operate | Replay: the planner's modes (the plan stays in memory while operating or replaying). */
import { create } from 'zustand';

export type AppMode = 'plan' | 'operate' | 'replay';

export const useMode = create<{ mode: AppMode; setMode(m: AppMode): void }>()((set) => ({
  mode: initialMode(),
  setMode: (mode) => set({ mode }),
}));

function initialMode(): AppMode {
  if (typeof location === 'undefined') return 'plan';
  if (location.hash === '#operate') return 'operate';
  if (location.hash === '#replay') return 'replay';
  return 'plan';
}

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
      <button data-testid="mode-replay" aria-pressed={mode === 'replay'} onClick={() => setMode('replay')}>
        Replay
      </button>
    </div>
  );
}
