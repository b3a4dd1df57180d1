/** Disposable is anything that holds a resource (socket, database, timer) and can let it go. */
export interface Disposable {
  dispose(): void | Promise<void>;
}

/**
 * DisposableStore disposes what was added to it in reverse order, once, and keeps going when one
 * disposal fails so that one stuck socket never keeps the database open.
 */
export class DisposableStore implements Disposable {
  private readonly items: Disposable[] = [];
  private disposed = false;

  /** add registers a resource right after it is created and returns it. */
  add<T extends Disposable>(item: T): T {
    if (this.disposed) {
      void item.dispose();
      throw new Error('DisposableStore is already disposed');
    }
    this.items.push(item);
    return item;
  }

  /** addFn registers a plain cleanup function. */
  addFn(fn: () => void | Promise<void>): void {
    this.add({ dispose: fn });
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const errors: unknown[] = [];
    for (const item of this.items.reverse()) {
      try {
        await item.dispose();
      } catch (error) {
        errors.push(error);
      }
    }
    this.items.length = 0;
    if (errors.length > 0) throw new AggregateError(errors, 'some resources failed to dispose');
  }
}
