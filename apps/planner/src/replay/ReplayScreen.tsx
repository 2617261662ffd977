/** Replay mode as the app mounts it: the replay view with the app's mode switch at its top left. */
import { ModeSwitch } from '../intraop/ModeSwitch.tsx';
import { ReplayView } from './ReplayView.tsx';

export function ReplayScreen() {
  return <ReplayView header={<ModeSwitch />} />;
}
