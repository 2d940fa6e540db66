/** The element with this id; throws when the page's HTML lacks it (a build mistake, not a runtime case). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`#${id} is missing from the page`);
  return el as T;
}

/** Creates an element with a class and text. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className !== undefined) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Shows an error in `#error` (pages keep working; the visitor learns why something is missing). */
export function showError(message: string): void {
  const box = document.getElementById('error');
  if (box === null) return;
  box.hidden = false;
  box.textContent = message;
}
