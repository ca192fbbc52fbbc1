// Builds DOM with createElement/textContent only: nothing the cluster or the user typed is ever parsed as HTML.

type Child = Node | string | number | false | null | undefined | Child[];

export interface Props {
  [key: string]: unknown;
  class?: string;
  id?: string;
  /** Event listeners: { click: fn, input: fn, keydown: fn } */
  on?: Partial<{ [K in keyof HTMLElementEventMap]: (event: HTMLElementEventMap[K]) => void }>;
}

/** Properties set as DOM properties rather than attributes (so `checked`/`value` reflect live state). */
const PROPERTIES = new Set(['value', 'checked', 'disabled', 'selected', 'indeterminate', 'open', 'tabIndex']);

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) {
        if (PROPERTIES.has(key) && value === false) (el as unknown as Record<string, unknown>)[key] = false;
        continue;
      }
      if (key === 'on') {
        for (const [event, handler] of Object.entries(value as Record<string, EventListener>))
          el.addEventListener(event, handler);
      } else if (key === 'class') {
        el.className = String(value);
      } else if (PROPERTIES.has(key)) {
        (el as unknown as Record<string, unknown>)[key] = value;
      } else {
        el.setAttribute(key, value === true ? '' : String(value));
      }
    }
  }
  append(el, children);
  return el;
}

function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else if (child instanceof Node) parent.appendChild(child);
    else parent.appendChild(document.createTextNode(String(child)));
  }
}

/** A codicon-like glyph drawn with text, so the page needs no icon font. */
export function icon(
  name: 'check' | 'error' | 'warning' | 'info' | 'loading' | 'circle' | 'close' | 'pass' | 'dash' | 'denied',
  label?: string,
): HTMLSpanElement {
  const glyph = {
    check: '✓',
    pass: '✓',
    error: '✕',
    close: '✕',
    warning: '⚠',
    info: 'ℹ',
    loading: '◌',
    circle: '○',
    dash: '–',
    denied: '⊘',
  }[name];
  return h(
    'span',
    {
      class: `glyph glyph-${name}`,
      'aria-hidden': label ? undefined : 'true',
      role: label ? 'img' : undefined,
      'aria-label': label,
    },
    glyph,
  );
}
