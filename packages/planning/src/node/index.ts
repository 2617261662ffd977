/** Node-only entry of @neuroplan/planning: loading a case folder into a planning scene. */
export {
  loadPlanningCase,
  choosePlanningRoles,
  type LoadPlanningCaseOptions,
  type LoadedPlanningCase,
  type PlanningCaseVolumes,
} from './loadCase.ts';
