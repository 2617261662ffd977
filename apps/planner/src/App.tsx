/**
 * The planner's layout: case and plan panels on the left, the three 2D views and the 3D view in a grid,
 * the risk profile of the selected trajectory underneath. The demo case opens on first load.
 */
import { lazy, Suspense, useEffect } from 'react';
import { useStore } from './store/index.ts';
import { CasePanel } from './case/CasePanel.tsx';
import { PlanPanel } from './plan/PlanPanel.tsx';
import { RiskProfile } from './plan/RiskProfile.tsx';
import { useShortcuts } from './plan/useShortcuts.ts';
import { ModeSwitch, useMode } from './intraop/ModeSwitch.tsx';
import './intraop/operate.css';

// The views load as their own chunks (cornerstone + vtk.js, three + react-three-fiber): the startup
// bundle then parses and evaluates in pieces, each well under 100 ms of main-thread time, instead of
// one multi-megabyte script.
const Viewport2D = lazy(() => import('./views2d/Viewport2D.tsx').then((m) => ({ default: m.Viewport2D })));
const View3D = lazy(() => import('./view3d/View3D.tsx').then((m) => ({ default: m.View3D })));
// The operator screen (roslib, urdf-loader) loads only when Operate is chosen; it covers the planning
// layout, which stays mounted underneath so the plan and the views keep their state.
const OperateScreen = lazy(() =>
  import('./intraop/OperateScreen.tsx').then((m) => ({ default: m.OperateScreen })),
);
// Replay (MCAP reader, plots) likewise loads only when chosen.
const ReplayScreen = lazy(() =>
  import('./replay/ReplayScreen.tsx').then((m) => ({ default: m.ReplayScreen })),
);

export function App() {
  const openDemoCase = useStore((s) => s.openDemoCase);
  useEffect(() => {
    void openDemoCase();
  }, [openDemoCase]);
  useShortcuts();
  const mode = useMode((s) => s.mode);
  return (
    <div className="app">
      <aside className="sidebar">
        <ModeSwitch />
        <CasePanel />
        <PlanPanel />
      </aside>
      <main className="views">
        <Suspense
          fallback={
            <>
              <div />
              <div />
              <div />
            </>
          }
        >
          <Viewport2D orientation="axial" />
          <Viewport2D orientation="sagittal" />
          <Viewport2D orientation="coronal" />
        </Suspense>
        <Suspense fallback={<div />}>
          <View3D />
        </Suspense>
      </main>
      <footer className="profile">
        <RiskProfile />
      </footer>
      {mode === 'operate' && (
        <Suspense fallback={null}>
          <OperateScreen />
        </Suspense>
      )}
      {mode === 'replay' && (
        <Suspense fallback={null}>
          <ReplayScreen />
        </Suspense>
      )}
    </div>
  );
}
