/** A read-only diagram (bpmn-js NavigatedViewer: pan and zoom) for the dashboards, with our moddle extension. */
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer.js';
import govDescriptor from '../../../engine/model/gov-descriptor.json' with { type: 'json' };
import { translateModule } from '../i18n/language.js';

type Any = any;

export interface ReadOnlyDiagram {
  viewer: Any;
  /** Shows a diagram and fits it to the container; returns the import warnings. */
  open(xml: string): Promise<string[]>;
  /** Call after the container became visible or changed size. */
  fit(): void;
}

export function createReadOnlyDiagram(container: HTMLElement): ReadOnlyDiagram {
  // bpmn-js is ESM without "type": "module"; TypeScript reads it as CommonJS, esbuild bundles it as ESM
  const Viewer = NavigatedViewer as unknown as new (options: Record<string, unknown>) => Any;
  const viewer: Any = new Viewer({
    container,
    additionalModules: [translateModule],
    moddleExtensions: { gov: govDescriptor },
  });
  const fit = () => {
    const canvas = viewer.get('canvas');
    canvas.resized();
    canvas.zoom('fit-viewport', 'auto');
  };
  return {
    viewer,
    fit,
    async open(xml) {
      const { warnings } = await viewer.importXML(xml);
      fit();
      return warnings.map((w: Any) => String(w.message ?? w));
    },
  };
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
