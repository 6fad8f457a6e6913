// Saving task positions from the flow canvas: one move, a batch four at a time, the first move that marks
// the canvas arranged, and Auto-layout.
import { api, describe } from "./api.js";
import { confirmAction, toast } from "./ui.js";

// getData() is the canvas's current data (replaced on every reload); redraw() draws it and fits the view.
export function createPositions({ getData, projectId, reload, redraw }) {
  async function savePosition(n) {
    if (!getData().arranged) {
      await arrange();
      return;
    }
    const x = Math.round(n.x * 10) / 10,
      y = Math.round(n.y * 10) / 10;
    try {
      const task = await api("PATCH", `/api/v1/tasks/${n.id}`, { x, y, version: n.version });
      n.version = task.version;
      n.placed = true;
    } catch (err) {
      toast(
        err.status === 409
          ? "That task changed elsewhere; the canvas shows the latest now"
          : `Position not saved — ${describe(err)}`,
        "error",
      );
      reload();
    }
  }

  // Saves positions four at a time; returns how many could not be saved (changed meanwhile).
  async function savePositions(nodes, at = (n) => ({ x: n.x, y: n.y })) {
    let failed = 0;
    const queue = [...nodes];
    async function worker() {
      while (queue.length) {
        const n = queue.shift();
        const { x, y } = at(n);
        try {
          const task = await api("PATCH", `/api/v1/tasks/${n.id}`, {
            x: Math.round(x * 10) / 10,
            y: Math.round(y * 10) / 10,
            version: n.version,
          });
          Object.assign(n, { x, y, version: task.version, placed: true });
        } catch {
          failed += 1;
        }
      }
    }
    await Promise.all([worker(), worker(), worker(), worker()]);
    return failed;
  }

  // The first move on a canvas nobody arranged yet: from now on the positions people see are stored, so
  // the project is marked arranged and every task keeps the place it has on screen.
  async function arrange() {
    if (getData().arranged) return true;
    getData().arranged = true;
    try {
      const project = await api("GET", `/api/v1/projects/${projectId}`);
      await api("PATCH", `/api/v1/projects/${projectId}`, {
        canvas_layout: { ...(project.canvas_layout || {}), arranged: true },
        version: project.version,
      });
    } catch (err) {
      getData().arranged = false;
      toast(`Layout not saved — ${describe(err)}`, "error");
      return false;
    }
    const failed = await savePositions(getData().nodes.filter((n) => !n.placed));
    if (failed) toast(`${failed} task(s) changed meanwhile and kept their place`, "error");
    return true;
  }

  async function autoLayout() {
    const moves = getData().nodes.filter((n) => n.x !== n.auto_x || n.y !== n.auto_y);
    if (!moves.length) {
      toast("The layout is already tidy");
      return;
    }
    const ok = await confirmAction({
      title: "Lay out the whole graph?",
      body: `${moves.length} task${moves.length === 1 ? "" : "s"} will move to an automatic layered layout; hand-placed positions are replaced.`,
      confirmLabel: "Lay out",
      danger: false,
    });
    if (!ok) return;
    if (!getData().arranged && !(await arrange())) return;
    const failed = await savePositions(moves, (n) => ({ x: n.auto_x, y: n.auto_y }));
    redraw();
    if (failed) toast(`${failed} task(s) changed meanwhile and kept their place`, "error");
    else toast(`Laid out ${moves.length} tasks`);
  }

  return { savePosition, autoLayout };
}
