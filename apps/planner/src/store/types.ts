/**
 * The planner's state, one zustand store made of slices (one file each, one owner each). These
 * interfaces are the contract between the slices and the components: coordinates are DICOM LPS mm in
 * the planning (CT) frame; MR volumes are shown through `mrToCtLps`.
 */
import type { BrowserFile } from '@neuroplan/imaging/browser';
import type { LoadError, Volume } from '@neuroplan/imaging';
import type {
  ApprovalStatus,
  DeepPartial,
  ElectrodeCatalog,
  PlanApproval,
  PlanningConstraints,
  PlanningScene,
  RankedTrajectory,
  SurfaceMesh,
  Trajectory,
  TrajectoryAssessment,
  Vec3,
} from '@neuroplan/planning';

export type SeriesRole = 'ct' | 't1' | 'angio' | 'other';

export interface LoadedSeries {
  role: SeriesRole;
  volume: Volume;
}

export interface Progress {
  /** 0..1 */
  fraction: number;
  phase: string;
}

export type Status = 'idle' | 'working' | 'ready' | 'failed';

export interface DicomWebSource {
  baseUrl: string;
  studyInstanceUid: string;
}

export interface CaseSlice {
  caseStatus: Status;
  caseProgress: Progress | null;
  caseName: string;
  series: LoadedSeries[];
  /** Files that could not be read, with the reason (the rest loaded). */
  loadErrors: LoadError[];
  caseError: string | null;
  /** MR LPS → CT LPS (row-major 4×4), from registration; null until known. */
  mrToCtLps: number[] | null;
  openDemoCase(): Promise<void>;
  openFiles(files: BrowserFile[], name: string): Promise<void>;
  openDicomWeb(source: DicomWebSource): Promise<void>;
}

export type SurfaceName = 'skull' | 'brain' | 'vessels' | 'ventricles';

export interface SceneSlice {
  sceneStatus: Status;
  sceneProgress: Progress | null;
  sceneError: string | null;
  scene: PlanningScene | null;
  /** Surfaces for the 3D view, CT LPS mm. */
  surfaces: Partial<Record<SurfaceName, SurfaceMesh>>;
  buildScene(): Promise<void>;
  /** Re-measuring the vessel channel from the edited vessel mask (planning worker), added by issue 5. */
  vesselEditStatus: Status;
  vesselEditProgress: Progress | null;
  vesselEditError: string | null;
  /** Mask voxels that differ from the scene as built (0: the scene in use is the one built). */
  vesselEditedVoxels: number;
  /** Ends the brush stroke under way: records it for undo and re-measures the vessel channel. */
  commitVesselStroke(): void;
  /** Applies a recorded mask edit backwards ('undo') or forwards ('redo') and re-measures. */
  applyMaskEdit(edit: MaskEdit, direction: 'undo' | 'redo'): void;
  /** Sends the vessel mask to the planning worker and puts the re-measured scene in use. */
  updateVesselChannel(): Promise<void>;
}

export type WindowPreset = 'brain' | 'bone' | 'vessels';

export interface ViewSlice {
  /** The linked crosshair point. */
  cursorLps: Vec3 | null;
  windowPreset: WindowPreset;
  /** 0 = CT only … 1 = MR only (fusion blend in the 2D views). */
  fusionBlend: number;
  surfaceOpacity: Record<SurfaceName, number>;
  volumeRendering: boolean;
  /** Clip the 3D view by the axial plane through the cursor. */
  clipping: boolean;
  setCursor(p: Vec3): void;
  setWindowPreset(p: WindowPreset): void;
  setFusionBlend(b: number): void;
  setSurfaceOpacity(name: SurfaceName, opacity: number): void;
  setVolumeRendering(on: boolean): void;
  setClipping(on: boolean): void;
}

/** What a click in a view sets next. */
export type PickMode = 'none' | 'target' | 'entry';

export interface PlanSlice {
  catalog: ElectrodeCatalog;
  constraints: PlanningConstraints;
  trajectories: Trajectory[];
  assessments: Record<string, TrajectoryAssessment>;
  selectedId: string | null;
  pickMode: PickMode;
  /** Electrode model for new trajectories. */
  electrodeId: string;
  autoPlanStatus: Status;
  autoPlanProgress: Progress | null;
  candidates: RankedTrajectory[];
  approval: PlanApproval | null;
  canUndo: boolean;
  canRedo: boolean;
  /** When this plan was started (ISO 8601): part of the approved content, so it stays fixed. */
  planCreatedAt: string;
  /** The target picked for a new trajectory while pickMode is 'entry' (added by the plan slice). */
  pendingTargetLps: Vec3 | null;
  /** Whether `approval` still holds for the current plan, with the reason in words when void. */
  approvalState: ApprovalStatus;
  autoPlanError: string | null;
  /** What the last entry search tried and why candidates were rejected, in words. */
  autoPlanExplanation: string[];
  /** The last plan edit that was refused (e.g. entry and target too close), in words. */
  planError: string | null;
  setPickMode(m: PickMode): void;
  pickPoint(p: Vec3): void;
  moveEndpoint(id: string, which: 'entry' | 'target', p: Vec3): void;
  select(id: string | null): void;
  removeTrajectory(id: string): void;
  setElectrodeId(id: string): void;
  autoPlan(targetLps: Vec3): Promise<void>;
  acceptCandidate(index: number): void;
  /** Signs the plan in the planning worker; `approval` follows when it answers (refusals: planError). */
  approve(by: string): void;
  /** Changes the constraints (undoable; voids an approval like any plan change). */
  setConstraints(partial: DeepPartial<PlanningConstraints>): void;
  cancelAutoPlan(): void;
  undo(): void;
  redo(): void;
  /** Records a vessel-mask brush stroke in the plan's undo history (added by issue 5). */
  recordMaskEdit(edit: MaskEdit): void;
}

/**
 * An editable binary mask on the planning maps' grid (axes L, P, S; isotropic), added by the 2D views:
 * the vessel mask starts as the scene's vessel channel ≤ 0 mm and the brush/erase tools edit it.
 */
export interface EditableMask {
  dimensions: readonly [number, number, number];
  spacingMm: number;
  /** Centre of voxel (0, 0, 0). */
  originLps: Vec3;
  /** 1 inside; voxel (i, j, k) at i + j·ni + k·ni·nj. Edited in place: `revision` grows with each edit. */
  values: Uint8Array;
  revision: number;
  /** True once a user edited it: planning should then rebuild the vessel distance channel from it. */
  edited: boolean;
  /** The scene it was derived from (a new scene starts a new mask). */
  scene: PlanningScene;
}

/** One brush stroke on an EditableMask, compactly: the voxels it changed and their values before it. */
export interface MaskEdit {
  indices: Uint32Array;
  before: Uint8Array;
}

/** Segmentation edits (optional: written by the 2D views with useStore.setState). */
export interface SegmentationEdits {
  vesselMask?: EditableMask | null;
}

export type AppState = CaseSlice & SceneSlice & ViewSlice & PlanSlice & SegmentationEdits;
