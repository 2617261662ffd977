/**
 * The planner's layout: case and plan panels on the left, the three 2D views and the 3D view in a grid,
 * the risk profile of the selected trajectory underneath. The demo case opens on first load.
 */
import { useEffect } from 'react';
import { useStore } from './store/index.ts';
import { CasePanel } from './case/CasePanel.tsx';
import { Viewport2D } from './views2d/Viewport2D.tsx';
import { View3D } from './view3d/View3D.tsx';
import { PlanPanel } from './plan/PlanPanel.tsx';
import { RiskProfile } from './plan/RiskProfile.tsx';
import { useShortcuts } from './plan/useShortcuts.ts';

export function App() {
  const openDemoCase = useStore((s) => s.openDemoCase);
  useEffect(() => {
    void openDemoCase();
  }, [openDemoCase]);
  useShortcuts();
  return (
    <div className="app">
      <aside className="sidebar">
        <CasePanel />
        <PlanPanel />
      </aside>
      <main className="views">
        <Viewport2D orientation="axial" />
        <Viewport2D orientation="sagittal" />
        <Viewport2D orientation="coronal" />
        <View3D />
      </main>
      <footer className="profile">
        <RiskProfile />
      </footer>
    </div>
  );
}
