/** A read-only diagram (bpmn-js NavigatedViewer: pan and zoom) for the dashboards, with our moddle extension. */
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer.js';
import govDescriptor from '../../../engine/model/gov-descriptor.json' with { type: 'json' };
import { h } from '../dom.js';
import { t, translateModule } from '../i18n/language.js';

type Any = any;

/**
 * The smallest zoom of a legible diagram: bpmn-js draws labels at 12 px (11 px for the labels of events and
 * gateways), so at 1 no label is under 11 px on screen; overlays are drawn at 12 px and scaled alike.
 */
export const LEGIBLE_ZOOM = 1;
const MARGIN = 20;

export interface ReadOnlyDiagram {
  viewer: Any;
  /** Shows a diagram and fits it to the container; returns the import warnings. */
  open(xml: string): Promise<string[]>;
  /** Call after the container became visible or changed size. */
  fit(): void;
  /** Zoom in (factor > 1) or out, about the centre, never below the legible zoom when `legible`. */
  zoomBy(factor: number): void;
  /** Buttons 放大 / 缩小 / 适应宽度 for this diagram. */
  zoomControls(id: string): HTMLElement;
  /** Marks one element (null: none) as the one pointed at, scrolling it into view when asked. */
  highlight(elementId: string | null, scroll?: boolean): void;
  /** Calls back with the element the pointer is over on the diagram (null when it leaves). */
  onHover(callback: (elementId: string | null) => void): void;
}

export interface DiagramOptions {
  /**
   * Fit to the container's width at no less than LEGIBLE_ZOOM (the user pans to the rest) instead of fitting the
   * whole diagram into the viewport, where a large process's labels shrink to a few pixels.
   */
  legible?: boolean;
}

export function createReadOnlyDiagram(container: HTMLElement, options: DiagramOptions = {}): ReadOnlyDiagram {
  // bpmn-js is ESM without "type": "module"; TypeScript reads it as CommonJS, esbuild bundles it as ESM
  const Viewer = NavigatedViewer as unknown as new (options: Record<string, unknown>) => Any;
  const viewer: Any = new Viewer({
    container,
    additionalModules: [translateModule],
    moddleExtensions: { gov: govDescriptor },
  });
  const fitViewport = () => {
    const canvas = viewer.get('canvas');
    canvas.resized();
    canvas.zoom('fit-viewport', 'auto');
  };
  /** The diagram's width across the container, its top left in view; never under the legible zoom. */
  const fitWidth = () => {
    const canvas = viewer.get('canvas');
    canvas.resized();
    const { inner, outer } = canvas.viewbox();
    if (!inner.width || !outer.width) return;
    const zoom = Math.max(LEGIBLE_ZOOM, Math.min(1.5, (outer.width - 2 * MARGIN) / inner.width));
    canvas.viewbox({
      x: inner.x - MARGIN / zoom,
      y: inner.y - MARGIN / zoom,
      width: outer.width / zoom,
      height: outer.height / zoom,
    });
  };
  const fit = options.legible ? fitWidth : fitViewport;
  let hovered: string | null = null;
  const highlight = (elementId: string | null, scroll = false) => {
    const canvas = viewer.get('canvas');
    const registry = viewer.get('elementRegistry');
    if (hovered && registry.get(hovered)) canvas.removeMarker(hovered, 'reflow-hover');
    hovered = elementId && registry.get(elementId) ? elementId : null;
    if (!hovered) return;
    canvas.addMarker(hovered, 'reflow-hover');
    if (scroll) canvas.scrollToElement(registry.get(hovered), { top: 60, bottom: 60, left: 60, right: 60 });
  };
  const zoomBy = (factor: number) => {
    const canvas = viewer.get('canvas');
    const next = canvas.zoom() * factor;
    canvas.zoom(options.legible ? Math.max(LEGIBLE_ZOOM, next) : next, 'auto');
  };
  return {
    viewer,
    fit,
    zoomBy,
    highlight,
    zoomControls: (id) =>
      h(
        'span',
        { class: 'reflow-zoom', id },
        h('button', { type: 'button', title: t('Zoom in'), onClick: () => zoomBy(1.25) }, '＋'),
        h('button', { type: 'button', title: t('Zoom out'), onClick: () => zoomBy(0.8) }, '－'),
        h('button', { type: 'button', onClick: fit }, t('Fit to width')),
      ),
    onHover(callback) {
      // a read-only viewer has no interaction events: the shape under the pointer is read off the SVG
      let last: string | null = null;
      const report = (elementId: string | null) => {
        if (elementId === last) return;
        last = elementId;
        callback(elementId);
      };
      container.addEventListener('mouseover', (event) => {
        // a shape, or an overlay drawn on one (its container names the element)
        const target = event.target as Element | null;
        const id =
          target?.closest?.('.djs-shape[data-element-id]')?.getAttribute('data-element-id') ??
          target?.closest?.('.djs-overlays[data-container-id]')?.getAttribute('data-container-id') ??
          null;
        const element = id ? viewer.get('elementRegistry').get(id) : null;
        report(element && !element.labelTarget && element.type !== 'bpmn:Process' ? id : null);
      });
      container.addEventListener('mouseleave', () => report(null));
    },
    async open(xml) {
      const { warnings } = await viewer.importXML(xml);
      hovered = null;
      fit();
      return warnings.map((w: Any) => String(w.message ?? w));
    },
  };
}

/**
 * Diagrams that pan and zoom together (the versions view's two panes: the same place in both versions stays side
 * by side): a change of one's viewbox is applied to the others, at once (the viewer does not defer the event).
 */
export function linkViewboxes(diagrams: ReadOnlyDiagram[]): void {
  let following = false;
  for (const diagram of diagrams)
    diagram.viewer.on('canvas.viewbox.changed', ({ viewbox }: { viewbox: Any }) => {
      if (following) return;
      following = true;
      try {
        for (const other of diagrams)
          if (other !== diagram)
            other.viewer.get('canvas').viewbox({
              x: viewbox.x,
              y: viewbox.y,
              width: viewbox.width,
              height: viewbox.height,
            });
      } finally {
        following = false;
      }
    });
}

/** Overlay helpers: a label under (or over) a shape. */
export function addLabel(
  viewer: Any,
  elementId: string,
  className: string,
  text: string,
  title = '',
  where: 'below' | 'above' = 'below',
): void {
  const element = viewer.get('elementRegistry').get(elementId);
  if (!element || element.waypoints) return;
  const html = document.createElement('div');
  html.className = `reflow-label ${className}`;
  html.textContent = text;
  if (title) html.title = title;
  const position = where === 'below' ? { bottom: -4, left: 0 } : { top: -22, left: 0 };
  viewer.get('overlays').add(element, 'reflow-label', { position, html, show: { minZoom: 0.3 } });
}
