/**
 * The map page's role panels in the sidebar: the work queue (我的待办 / 待核查) for the roles that
 * have one, the manager's list of their area's problems, and the assessment panel.
 */
import type { PublicUser } from '../api.js';
import type { CountyMap } from '../map/county-map.js';
import { easeCloser } from '../map/ease-closer.js';
import { AssessmentPanel } from '../panels/assessment.js';
import { ManagerList } from '../panels/manager-list.js';
import { WorkQueue } from '../panels/work-queue.js';

export interface RolePanelsOptions {
  role: PublicUser['role'];
  /** A manager with an area gets the list of its problems. */
  isManager: boolean;
  countyMap: CountyMap;
  /** The current filters as query parameters. */
  params: () => URLSearchParams;
  openProblem: (id: number, at: [number, number]) => void;
  /** A problem was created or changed: points, numbers, list and queue follow. */
  problemsChanged: () => void;
  /** The numbers changed but not the list (the manager's list itself changed a problem). */
  numbersChanged: () => void;
  onError: (message: string) => void;
}

export interface RolePanels {
  queue: WorkQueue | null;
  list: ManagerList | null;
  assessment: AssessmentPanel;
}

export function rolePanels(o: RolePanelsOptions): RolePanels {
  const { countyMap, role } = o;
  const locate = (id: number, at: [number, number]) => {
    easeCloser(countyMap.map, at, 15);
    o.openProblem(id, at);
  };
  const queue =
    role === 'inspector' || role === 'manager' || role === 'department'
      ? new WorkQueue({
          kind: role === 'inspector' ? 'recheck' : 'todo',
          onOpen: locate,
          onChanged: () => o.problemsChanged(),
        })
      : null;
  const list = o.isManager
    ? new ManagerList({ filters: o.params(), onLocate: locate, onChanged: () => o.numbersChanged() })
    : null;
  const assessment = new AssessmentPanel({
    role,
    onLocate: (at) => easeCloser(countyMap.map, at, 16),
    onInspected: () => {
      countyMap.refreshAssessmentPoints();
      o.problemsChanged();
    },
    onError: o.onError,
  });
  return { queue, list, assessment };
}
