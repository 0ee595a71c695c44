/** A page of the app: built once when first visited, shown again with the route's parameters. */
export interface View {
  element: HTMLElement;
  /** Called each time the route shows this view; `params` are the path segments after the view's name. */
  show(params: string[]): void | Promise<void>;
}

export interface ViewDefinition {
  id: string;
  /** The navigation label (an English key translated by `t`). */
  title: string;
  create(): View;
}
