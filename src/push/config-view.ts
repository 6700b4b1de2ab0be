/**
 * The in-memory view of an agent's push configs, by record key and by task: the delivery stage asks for a task's
 * configs on every snapshot it reads, so that lookup must not scan every config of the agent.
 */

/** What the view needs of a config: the task it belongs to. */
export interface HasTask {
  taskId: string;
}

export class PushConfigView<E extends HasTask> {
  private readonly byKey = new Map<string, E>();
  private readonly byTask = new Map<string, Map<string, E>>();

  set(key: string, entry: E): void {
    // a key names one task; a record that says otherwise still moves the config, not copies it
    if (this.byKey.get(key)?.taskId !== entry.taskId) this.delete(key);
    this.byKey.set(key, entry);
    let configs = this.byTask.get(entry.taskId);
    if (!configs) this.byTask.set(entry.taskId, (configs = new Map()));
    configs.set(key, entry);
  }

  delete(key: string): void {
    const before = this.byKey.get(key);
    if (!before) return;
    this.byKey.delete(key);
    const configs = this.byTask.get(before.taskId);
    configs?.delete(key);
    if (configs?.size === 0) this.byTask.delete(before.taskId);
  }

  /** The task's configs with their keys (empty when it has none). */
  ofTask(taskId: string): ReadonlyMap<string, E> {
    return this.byTask.get(taskId) ?? NONE;
  }

  values(): IterableIterator<E> {
    return this.byKey.values();
  }
}

/** Shared by every task without configs: most snapshots the delivery stage reads ask for one of those. */
const NONE: ReadonlyMap<string, never> = new Map<string, never>();
