/**
 * The 2D views' entry point (App.tsx imports it lazily): a light module that loads the views'
 * implementation, cornerstone3D included, in stages (loadViews2d.ts) so that evaluating its modules
 * never blocks the main thread in one long task. The view itself is Viewport2DImpl.tsx.
 */
import { lazy } from 'react';
import type { Viewport2DProps } from './Viewport2DImpl.tsx';
import { loadViews2d } from './loadViews2d.ts';

export type { Viewport2DProps };

const Impl = lazy(() => loadViews2d().then((m) => ({ default: m.Viewport2D })));

export function Viewport2D(props: Viewport2DProps) {
  return <Impl {...props} />;
}
