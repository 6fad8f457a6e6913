// One queue of writes per task, so that a person's own quick edits never conflict with each other.
//
// Each change waits for the previous one on the same task to answer and is sent with the newest version
// this page knows: the one the person saw (`base`) or the one our own last write returned, whichever is
// newer. A change someone else made meanwhile is therefore still a real conflict (409), and the caller can
// offer "keep mine / take theirs". DOM-free so that `node --test` can run it.

export function createEditQueue(send) {
  const tasks = new Map(); // task id -> { tail: Promise, version: number, pending: number }

  function entry(id) {
    let e = tasks.get(id);
    if (!e) {
      e = { tail: Promise.resolve(), version: 0, pending: 0 };
      tasks.set(id, e);
    }
    return e;
  }

  // `fields` is the change; `base` the version the person's view showed when they made it.
  function enqueue(id, fields, base = 0) {
    const e = entry(id);
    e.pending += 1;
    const run = e.tail.then(async () => {
      const version = Math.max(Number(base) || 0, e.version);
      try {
        const task = await send(id, { ...fields, version });
        if (task && task.version !== undefined) e.version = Math.max(e.version, Number(task.version));
        return task;
      } finally {
        e.pending -= 1;
      }
    });
    // The next change runs after this one whatever its outcome; the caller sees the outcome.
    e.tail = run.catch(() => {});
    return run;
  }

  return {
    enqueue,
    // Writes of this page still waiting for an answer on the task (the drawer does not reload meanwhile).
    pending: (id) => tasks.get(id)?.pending || 0,
    // The newest version this page's own writes produced.
    known: (id) => tasks.get(id)?.version || 0,
    // After the person chose "take theirs" or reloaded: the version they now see.
    seen(id, version) {
      const e = entry(id);
      e.version = Math.max(e.version, Number(version) || 0);
    },
  };
}

// Which of the person's unsaved values differ from the task as it is now (for "keep mine / take theirs").
export function conflictRows(mine, theirs) {
  const rows = [];
  for (const [field, value] of Object.entries(mine)) {
    if (field === "version") continue;
    const current = theirs[field];
    if (JSON.stringify(current ?? null) !== JSON.stringify(value ?? null))
      rows.push({ field, mine: value, theirs: current ?? null });
  }
  return rows;
}
