// What a user reads on a page, checked from the browser: English words left in the Chinese interface (a walk
// over the page's visible text nodes with an allow-list of identifiers), and the size text is drawn at on screen
// (font size times the scale it is drawn with, and the height of its rendered box). Reusable by every view's test.
import type { Page } from 'playwright-core';

/** Words that are names, not English text: the product, formats and standards, figure names. */
export const ALLOWED_WORDS = [
  'Reflow',
  'API',
  'BPMN',
  'JSON',
  'Schema',
  'FEEL',
  'XML',
  'P90',
  'English',
  'gov',
  'bpmn',
];

export interface EnglishText {
  text: string;
  words: string[];
  /** A CSS-like path of the text's parent, to find it. */
  where: string;
}

/**
 * Visible text nodes holding English words. Not counted: text in <code> (identifiers, BPMN ids), text marked
 * lang="en" (English deliberately shown second), inline JSON examples, the allowed words, identifier-like tokens — with a digit,
 * an underscore, a hyphen or a dot inside, or camelCase (businessKey, userTask) — and the page's BPMN element ids.
 */
export async function englishTextNodes(page: Page, allowed: string[] = []): Promise<EnglishText[]> {
  return page.evaluate(
    (allow) => {
      const ids = new Set(
        Array.from(document.querySelectorAll('[data-element-id]')).map((e) =>
          e.getAttribute('data-element-id'),
        ),
      );
      const allowedWords = new Set(allow);
      const identifier = /[0-9_.\-/]|[a-z][A-Z]|^[A-Z]{2,}$/;
      const found: { text: string; words: string[]; where: string }[] = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const parent = node.parentElement;
        const text = node.textContent ?? '';
        if (!parent || !/[A-Za-z]{2,}/.test(text)) continue;
        if (parent.closest('script, style, code, [lang="en"], [hidden], option:not(:checked)')) continue;
        const box = parent.getBoundingClientRect();
        const style = getComputedStyle(parent);
        if (
          (box.width === 0 && box.height === 0) ||
          style.visibility === 'hidden' ||
          style.display === 'none'
        )
          continue;
        // an inline JSON example ({"type":"object"…}) is code, not prose
        const prose = text.replace(/\{.*\}/g, ' ');
        const words = (prose.match(/[A-Za-z][A-Za-z0-9_.\-/]*/g) ?? []).filter(
          (w) => !allowedWords.has(w) && !identifier.test(w) && !ids.has(w) && w.length > 1,
        );
        if (words.length === 0) continue;
        const where: string[] = [];
        for (
          let e: Element | null = parent;
          e && e !== document.body && where.length < 4;
          e = e.parentElement
        )
          where.unshift(`${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}`);
        found.push({ text: text.trim().slice(0, 120), words, where: where.join(' > ') });
      }
      return found;
    },
    [...ALLOWED_WORDS, ...allowed],
  );
}

export interface DrawnText {
  text: string;
  /** The font size on screen: the computed size times the scale it is drawn at. */
  px: number;
  /** The height of one line of its rendered box, in screen pixels. */
  lineHeight: number;
}

/**
 * The text drawn inside `selector` that is in view: SVG labels (scaled by the diagram's zoom) and HTML overlays
 * (scaled by their container's transform), each with its on-screen font size and rendered line height.
 */
export async function drawnText(page: Page, selector: string): Promise<DrawnText[]> {
  return page.evaluate((within) => {
    const root = document.querySelector(within);
    if (!root) return [];
    const view = root.getBoundingClientRect();
    const inView = (r: DOMRect) =>
      r.width > 0 && r.right > view.left && r.left < view.right && r.bottom > view.top && r.top < view.bottom;
    const out: { text: string; px: number; lineHeight: number }[] = [];
    for (const text of Array.from(root.querySelectorAll('svg text'))) {
      const content = text.textContent?.trim() ?? '';
      const box = text.getBoundingClientRect();
      if (!content || !inView(box)) continue;
      // a lane's label is turned a quarter: its scale is the length of the matrix's first column
      const ctm = (text as SVGGraphicsElement).getScreenCTM();
      const scale = ctm ? Math.hypot(ctm.a, ctm.b) : 1;
      const turned = ctm ? Math.abs(ctm.b) > Math.abs(ctm.a) : false;
      const lines = Math.max(1, text.querySelectorAll('tspan').length);
      out.push({
        text: content,
        px: Number.parseFloat(getComputedStyle(text).fontSize) * scale,
        lineHeight: (turned ? box.width : box.height) / lines,
      });
    }
    for (const label of Array.from(
      root.querySelectorAll<HTMLElement>('.djs-overlay .reflow-label, .djs-overlay .reflow-breach-badge'),
    )) {
      const box = label.getBoundingClientRect();
      if (!label.textContent?.trim() || !inView(box) || label.offsetHeight === 0) continue;
      const scale = box.height / label.offsetHeight;
      const lines = Math.max(1, (label.textContent ?? '').split('\n').length);
      out.push({
        text: label.textContent.trim(),
        px: Number.parseFloat(getComputedStyle(label).fontSize) * scale,
        lineHeight: box.height / lines,
      });
    }
    return out;
  }, selector);
}
