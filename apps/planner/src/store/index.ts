/** The planner's one store: slices combined (see types.ts for the contract). */
import { create } from 'zustand';
import type { AppState } from './types.ts';
import { createCaseSlice } from './caseSlice.ts';
import { createSceneSlice } from './sceneSlice.ts';
import { createViewSlice } from './viewSlice.ts';
import { createPlanSlice } from './planSlice.ts';

export const useStore = create<AppState>()((...a) => ({
  ...createCaseSlice(...a),
  ...createSceneSlice(...a),
  ...createViewSlice(...a),
  ...createPlanSlice(...a),
}));

export type * from './types.ts';
